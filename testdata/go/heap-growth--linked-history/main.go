// heap-growth--linked-history: an undo history links every edit to the
// previous one; the head is kept and nothing drops old edits (heap only).
package main

import (
	"fmt"

	"example.com/leaks/internal/snap"
)

type edit struct {
	prev  *edit
	at    int
	added []byte
}

type document struct {
	head *edit
}

func newEdit(prev *edit, at int) *edit {
	return &edit{prev: prev, at: at, added: make([]byte, 512)}
}

func (d *document) apply(at int) {
	d.head = newEdit(d.head, at)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	d := &document{}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 4000; i++ {
			n++
			d.apply(n % 977)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: %d edits\n", k, n)
	}
	snap.Finish("heap-growth--linked-history")
}
