// nil-channel--generic-recv: a generic await[T] receives from a future's
// channel; futures built by the zero-value path have a nil channel, so
// `go f.waitAndStore(...)` blocks in `chan receive (nil chan)`.
package main

import (
	"sync/atomic"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Future[T any] struct {
	ch chan T
}

func await[T any](f *Future[T]) T {
	return <-f.ch
}

type Result struct{ Rows int }

type Collector struct{ total int64 }

func (c *Collector) waitAndStore(f *Future[Result]) {
	r := await(f)
	atomic.AddInt64(&c.total, int64(r.Rows))
}

func lookup(cached bool) *Future[Result] {
	if cached {
		return &Future[Result]{} // BUG: no channel on the cached path
	}
	f := &Future[Result]{ch: make(chan Result, 1)}
	f.ch <- Result{Rows: 1}
	return f
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Collector{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			go c.waitAndStore(lookup(i%2 == 0))
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--generic-recv")
}
