// context-not-cancelled--background-value: Login builds the session's
// context with context.WithValue(context.Background(), …) and starts
// `go m.expire(ctx, id)`, which waits on <-ctx.Done(). A context made only
// of Background and WithValue has a nil Done channel: the wait never ends.
package main

import (
	"context"
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type sessionKey struct{}

type Sessions struct {
	mu   sync.Mutex
	live map[string]string
}

func (m *Sessions) expire(ctx context.Context, id string) {
	<-ctx.Done()
	m.mu.Lock()
	delete(m.live, id)
	m.mu.Unlock()
}

func (m *Sessions) Login(user string, n int) string {
	id := fmt.Sprintf("%s-%d", user, n)
	m.mu.Lock()
	m.live[id] = user
	m.mu.Unlock()
	ctx := context.WithValue(context.Background(), sessionKey{}, id)
	go m.expire(ctx, id)
	return id
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	m := &Sessions{live: map[string]string{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			c := n
			pool.Do(func() { m.Login("user", c) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--background-value")
}
