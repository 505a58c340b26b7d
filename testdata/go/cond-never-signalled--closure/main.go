// cond-never-signalled--closure: each waiter is a closure,
// `go func() { g.mu.Lock(); for !g.open { g.cond.Wait() }; ... }()`;
// Open sets the flag without Broadcast.
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func NewGate() *Gate {
	g := &Gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *Gate) Wait() {
	go func() {
		g.mu.Lock()
		for !g.open {
			g.cond.Wait()
		}
		g.mu.Unlock()
	}()
}

// Open lets the waiters through, or should: it never broadcasts.
func (g *Gate) Open() { g.mu.Lock(); g.open = true; g.mu.Unlock() }

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		g := NewGate()
		for i := 0; i < 10; i++ {
			g.Wait()
		}
		pool.Do(func() {})
		snap.Settle()
		g.Open()
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("cond-never-signalled--closure")
}
