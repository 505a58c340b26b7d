// context-not-cancelled--watcher-closure: Track derives a cancellable
// context per lease and starts a closure that waits for it to end, but the
// cancel function is dropped, so every watcher waits forever.
package main

import (
	"context"
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Leases struct {
	mu     sync.Mutex
	active map[string]bool
}

func (l *Leases) release(name string) {
	l.mu.Lock()
	delete(l.active, name)
	l.mu.Unlock()
}

func (l *Leases) Track(parent context.Context, name string) {
	ctx, cancel := context.WithCancel(parent)
	l.mu.Lock()
	l.active[name] = true
	l.mu.Unlock()
	go func() {
		<-ctx.Done()
		l.release(name)
	}()
	_ = cancel // kept for a shutdown hook that never calls it
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	root, stop := context.WithCancel(context.Background())
	l := &Leases{active: map[string]bool{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			l.Track(root, fmt.Sprintf("lease-%d", n))
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--watcher-closure")
	stop()
}
