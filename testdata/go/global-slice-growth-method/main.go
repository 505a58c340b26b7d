// global-slice-growth-method: a tracer method appends every finished span
// to a package-level slice for a debug page that was removed long ago.
package main

import (
	"time"

	"example.com/leaks/internal/snap"
)

type Span struct {
	Name  string
	Start time.Time
	Tags  [24]string
}

var finished []*Span

type Tracer struct{ count int }

func (t *Tracer) Finish(name string) {
	sp := &Span{Name: name, Start: time.Now()}
	t.count++
	finished = append(finished, sp)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	t := &Tracer{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 3000; i++ {
			t.Finish("db.query")
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("global-slice-growth-method")
}
