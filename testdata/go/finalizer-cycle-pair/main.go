// finalizer-cycle-pair: a Stream and its decoder point at each other, and
// the Stream has a finalizer that closes it; the pair is never collected.
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type decoder struct {
	stream *Stream
	window [2048]byte
}

type Stream struct {
	id  int
	dec *decoder
}

func (s *Stream) close() { s.dec = nil }

func NewStream(id int) *Stream {
	s := &Stream{id: id}
	s.dec = &decoder{stream: s}
	runtime.SetFinalizer(s, (*Stream).close)
	return s
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 600; i++ {
			_ = NewStream(i)
		}
		runtime.GC()
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("finalizer-cycle-pair")
}
