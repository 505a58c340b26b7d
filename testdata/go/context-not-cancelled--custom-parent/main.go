// context-not-cancelled--custom-parent: the server's root is a custom
// context.Context implementation (its own Done channel), which the
// context package cannot attach children to directly, so every
// WithCancel child starts a watcher goroutine in the context package
// (context.(*cancelCtx).propagateCancel.func2 in Go 1.27,
// context.propagateCancel.func1 in Go 1.19). handle drops the cancel, so
// the watchers (a library goroutine) grow; the user's line is handle's
// WithCancel.
package main

import (
	"context"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

// lifetime is a process-lifetime context closed by Shutdown.
type lifetime struct{ done chan struct{} }

func (l *lifetime) Deadline() (time.Time, bool)       { return time.Time{}, false }
func (l *lifetime) Done() <-chan struct{}             { return l.done }
func (l *lifetime) Err() error                        { return nil }
func (l *lifetime) Value(key interface{}) interface{} { return nil }

type Request struct{ ID int }

func process(ctx context.Context, r Request) int { return r.ID }

func handle(root context.Context, r Request) int {
	ctx, _ := context.WithCancel(root) // BUG: cancel dropped
	return process(ctx, r)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	root := &lifetime{done: make(chan struct{})}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			handle(root, Request{ID: id})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--custom-parent")
}
