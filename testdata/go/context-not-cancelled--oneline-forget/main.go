// context-not-cancelled--oneline-forget: track registers a request in a
// plain function and forgets it in a one-line literal once the request's
// context ends, `go func() { <-ctx.Done(); forget(reg, id) }()`; the
// handler derives the context with WithTimeout(24h) and drops its cancel
// on the success path, so the literal waits for a day.
package main

import (
	"context"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type registry struct {
	mu   sync.Mutex
	live map[int]string
}

func forget(reg *registry, id int) {
	reg.mu.Lock()
	delete(reg.live, id)
	reg.mu.Unlock()
}

func track(ctx context.Context, reg *registry, id int, route string) {
	reg.mu.Lock()
	reg.live[id] = route
	reg.mu.Unlock()
	go func() { <-ctx.Done(); forget(reg, id) }()
}

func serve(reg *registry, id int, ok bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
	track(ctx, reg, id, "/orders")
	if !ok {
		cancel()
		return context.Canceled
	}
	return nil // BUG: cancel is never called on success
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	reg := &registry{live: map[int]string{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 12; i++ {
			id++
			_ = serve(reg, id, i%4 != 0)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--oneline-forget")
}
