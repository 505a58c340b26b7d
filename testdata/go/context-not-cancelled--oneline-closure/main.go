// context-not-cancelled--oneline-closure: Open derives a WithCancel
// context from the gateway's long-lived context and starts
// `go func() { <-ctx.Done(); s.cleanup() }()` on one line; Close forgets
// to call the stored cancel.
package main

import (
	"context"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Session struct {
	id     int
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
}

func (s *Session) cleanup() { s.mu.Lock(); s.closed = true; s.mu.Unlock() }

type Gateway struct{ base context.Context }

func (g *Gateway) Open(id int) *Session {
	ctx, cancel := context.WithCancel(g.base)
	s := &Session{id: id, cancel: cancel}
	go func() { <-ctx.Done(); s.cleanup() }()
	return s
}

// Close marks the session closed but never calls s.cancel.
func (g *Gateway) Close(s *Session) { s.mu.Lock(); s.closed = true; s.mu.Unlock() }

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	base, stop := context.WithCancel(context.Background())
	g := &Gateway{base: base}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			g.Close(g.Open(id))
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--oneline-closure")
	stop()
}
