// range-unclosed-channel--generic: `go drain(ch, fn)` where drain[T] does
// `for v := range in`; ship returns without closing ch.
package main

import (
	"sync/atomic"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func drain[T any](in <-chan T, fn func(T)) {
	for v := range in {
		fn(v)
	}
}

type Span struct {
	Trace string
	Dur   int
}

var shipped int64

func ship(spans []Span) {
	ch := make(chan Span)
	go drain(ch, func(s Span) { atomic.AddInt64(&shipped, int64(s.Dur)) })
	for _, s := range spans {
		ch <- s
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			ship([]Span{{"t1", 3}, {"t2", 4}})
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("range-unclosed-channel--generic")
}
