// control-bounded-slice: a package-level slice of recent requests is
// capped: old entries are dropped and their slots cleared. Heap flat.
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type Request struct {
	Path string
	Body [200]byte
}

const maxRecent = 1024

var recent []*Request

func remember(r *Request) {
	if len(recent) == maxRecent {
		copy(recent, recent[1:])
		recent[len(recent)-1] = nil
		recent = recent[:len(recent)-1]
	}
	recent = append(recent, r)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	// Warm up: the ring is full before the first snapshot.
	for i := 0; i < 3000; i++ {
		remember(&Request{Path: "/"})
	}
	runtime.GC()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 3000; i++ {
			remember(&Request{Path: "/"})
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("control-bounded-slice")
}
