// chan-send-blocked--generic: a generic forwarder, `go forward(out, v)`,
// blocks sending on a typed channel whose consumer returned; the stack
// names main.forward[...].
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Sample struct {
	Key   string
	Value float64
}

func forward[T any](out chan<- T, v T) {
	out <- v
}

type Sink[T any] struct {
	in   chan T
	got  []T
	done chan struct{}
}

func NewSink[T any]() *Sink[T] {
	return &Sink[T]{in: make(chan T), done: make(chan struct{})}
}

// take keeps the first n values and leaves.
func (s *Sink[T]) take(n int) {
	defer close(s.done)
	for len(s.got) < n {
		s.got = append(s.got, <-s.in)
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	sink := NewSink[Sample]()
	go sink.take(2)
	go forward(sink.in, Sample{"warm", 1})
	go forward(sink.in, Sample{"warm", 2})
	<-sink.done
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go forward(sink.in, Sample{Key: "cpu", Value: float64(i)})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--generic")
}
