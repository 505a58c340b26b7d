// finalizer-cycle-list: a circular buffer list whose nodes point to the next
// node (the last back to the first); a finalizer on the first node returns
// the list's quota. The ring is never collected.
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type node struct {
	next *node
	val  [512]byte
}

var quota = 1 << 30

func newList(n int) *node {
	first := &node{}
	cur := first
	for i := 1; i < n; i++ {
		cur.next = &node{}
		cur = cur.next
	}
	cur.next = first
	runtime.SetFinalizer(first, func(*node) { quota += n })
	return first
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 500; i++ {
			_ = newList(4)
		}
		runtime.GC()
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("finalizer-cycle-list")
}
