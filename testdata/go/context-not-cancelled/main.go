// context-not-cancelled: every request derives
// `ctx, cancel := context.WithCancel(s.root)` from the server's long-lived
// root context and discards cancel. Watchers waiting on <-ctx.Done() never
// return, and every child context stays registered in the root's children
// set, so the heap grows with the request count too.
package main

import (
	"context"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Server struct {
	root     context.Context
	shutdown context.CancelFunc
	mu       sync.Mutex
	handled  int
}

func NewServer() *Server {
	root, cancel := context.WithCancel(context.Background())
	return &Server{root: root, shutdown: cancel}
}

type requestKey struct{}

// handleRequest derives a per-request context and never cancels it.
func (s *Server) handleRequest(id int) {
	ctx, _ := context.WithCancel(s.root) // BUG: cancel discarded
	ctx = context.WithValue(ctx, requestKey{}, fmt.Sprintf("req-%d", id))
	s.mu.Lock()
	s.handled++
	s.mu.Unlock()
	_ = ctx.Value(requestKey{})
}

// handleStream starts a watcher that cleans up when the request ends -
// which is never, since nobody cancels its context.
func (s *Server) handleStream(id int) {
	ctx, cancel := context.WithCancel(s.root)
	_ = cancel // BUG: never called
	go s.watchStream(ctx, id)
}

func (s *Server) watchStream(ctx context.Context, id int) {
	<-ctx.Done()
	s.mu.Lock()
	s.handled--
	s.mu.Unlock()
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	s := NewServer()
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 3000; i++ {
			id++
			s.handleRequest(id)
		}
		for i := 0; i < 10; i++ {
			id++
			s.handleStream(id)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("context-not-cancelled")
}
