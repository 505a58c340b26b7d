// interface-boxing-map: query results are memoised by value in a map of
// any that is never pruned.
package main

import (
	"example.com/leaks/internal/snap"
)

type Result struct {
	Scores [64]float64
	Count  int
}

type Memo struct {
	results map[int]any
}

func compute(q int) Result {
	var r Result
	r.Count = q
	return r
}

func (m *Memo) Lookup(q int) Result {
	if v, ok := m.results[q]; ok {
		return v.(Result)
	}
	r := compute(q)
	m.results[q] = r
	return r
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	m := &Memo{results: make(map[int]any)}
	q := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 1500; i++ {
			q++
			_ = m.Lookup(q)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("interface-boxing-map")
}
