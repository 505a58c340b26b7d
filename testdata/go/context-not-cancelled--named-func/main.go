// context-not-cancelled--named-func: `ctx, _ := context.WithCancel(s.root)`
// discards the cancel and `go watch(ctx, s, id)` waits on <-ctx.Done().
package main

import (
	"context"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Server struct {
	root  context.Context
	mu    sync.Mutex
	conns map[int]bool
}

func watch(ctx context.Context, s *Server, id int) {
	<-ctx.Done()
	s.mu.Lock()
	delete(s.conns, id)
	s.mu.Unlock()
}

func (s *Server) Accept(id int) {
	ctx, _ := context.WithCancel(s.root) //nolint:govet // the bug
	s.mu.Lock()
	s.conns[id] = true
	s.mu.Unlock()
	go watch(ctx, s, id)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	root, shutdown := context.WithCancel(context.Background())
	s := &Server{root: root, conns: map[int]bool{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			n := id
			pool.Do(func() { s.Accept(n) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--named-func")
	shutdown()
}
