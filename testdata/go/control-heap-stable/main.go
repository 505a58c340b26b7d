// control-heap-stable (leak-free): lots of allocation churn per phase, but
// the only retained structure is a fixed-size ring of recent entries that
// is already full after the first phase; the live heap stays flat.
package main

import (
	"fmt"
	"strings"

	"example.com/leaks/internal/snap"
)

type Entry struct {
	Key   string
	Value []byte
}

type Ring struct {
	entries []*Entry
	next    int
}

func NewRing(n int) *Ring { return &Ring{entries: make([]*Entry, n)} }

func (r *Ring) Add(e *Entry) {
	r.entries[r.next] = e
	r.next = (r.next + 1) % len(r.entries)
}

func renderPage(n int) string {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "<li>item %d/%d</li>", n, i)
	}
	return b.String()
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	ring := NewRing(2000)
	n := 0
	for k := 1; k <= 3; k++ {
		total := 0
		for i := 0; i < 20000; i++ {
			n++
			page := renderPage(n) // garbage after this iteration
			total += len(page)
			ring.Add(&Entry{Key: fmt.Sprintf("page-%d", n), Value: make([]byte, 512)})
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: rendered %d bytes\n", k, total)
	}
	snap.Finish("control-heap-stable")
}
