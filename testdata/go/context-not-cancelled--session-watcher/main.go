// context-not-cancelled--session-watcher: (*Hub).Join starts a session's
// loop, and the loop starts a watcher that closes the session's socket when
// its context ends. Leave drops the session from the hub's map but never
// calls the session's cancel: the loop waits in select on its inbox and
// its context for ever, and the watcher it started waits on ctx.Done() for
// ever, two goroutines per session gone (+8 per snapshot each; the
// watchers' parents are the loops). Sessions still joined are the same two
// goroutines and stay constant (6).
package main

import (
	"context"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Session struct {
	id     string
	inbox  chan string
	cancel context.CancelFunc
	closed bool
	mu     sync.Mutex
}

type Hub struct {
	mu       sync.Mutex
	root     context.Context
	sessions map[string]*Session
}

func (h *Hub) Join(id string) {
	ctx, cancel := context.WithCancel(h.root)
	s := &Session{id: id, inbox: make(chan string), cancel: cancel}
	h.mu.Lock()
	h.sessions[id] = s
	h.mu.Unlock()
	go s.loop(ctx)
}

func (s *Session) loop(ctx context.Context) {
	go s.watch(ctx)
	for {
		select {
		case msg := <-s.inbox:
			_ = msg
		case <-ctx.Done():
			return
		}
	}
}

// watch marks the session closed once its context ends.
func (s *Session) watch(ctx context.Context) {
	<-ctx.Done()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (h *Hub) Leave(id string) {
	h.mu.Lock()
	delete(h.sessions, id) // BUG: s.cancel() is never called
	h.mu.Unlock()
}

func main() {
	snap.Start()
	h := &Hub{root: context.Background(), sessions: map[string]*Session{}}
	for i := 0; i < 6; i++ {
		h.Join(fmt.Sprintf("resident-%d", i))
	}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 8; i++ {
			n++
			id := fmt.Sprintf("visitor-%d", n)
			h.Join(id)
			h.Leave(id)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("context-not-cancelled--session-watcher")
}
