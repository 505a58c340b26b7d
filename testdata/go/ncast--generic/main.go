// ncast--generic: a generic first-wins helper, firstOf[T], starts one
// closure per candidate in a loop and receives once; the losers block in
// firstOf[...].func1 (+10 per snapshot: 2 per call, 5 calls).
package main

import (
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func firstOf[T any](fns []func() T) T {
	ch := make(chan T)
	for _, f := range fns {
		go func(f func() T) {
			ch <- f()
		}(f)
	}
	return <-ch
}

type Route struct {
	Hops int
}

func viaDelay(d time.Duration, hops int) func() Route {
	return func() Route {
		time.Sleep(d)
		return Route{Hops: hops}
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			firstOf([]func() Route{viaDelay(time.Millisecond, 1), viaDelay(4*time.Millisecond, 2), viaDelay(7*time.Millisecond, 3)})
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ncast--generic")
}
