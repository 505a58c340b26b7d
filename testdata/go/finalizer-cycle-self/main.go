// finalizer-cycle-self: handles are opened in pairs that point at each
// other through a field of their own type (peer *handle), and the first of
// each pair has a finalizer that logs leaked handles; the pair is never
// collected. (A pointer from an object to itself alone would not keep it:
// the collector ignores pointers into the object being finalized.)
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type handle struct {
	peer *handle
	data [1024]byte
}

func openHandle() *handle {
	h := &handle{}
	h.peer = &handle{peer: h}
	runtime.SetFinalizer(h, func(*handle) {})
	return h
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 1000; i++ {
			_ = openHandle()
		}
		runtime.GC()
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("finalizer-cycle-self")
}
