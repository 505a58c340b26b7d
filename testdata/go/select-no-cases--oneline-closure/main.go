// select-no-cases--oneline-closure: `go func() { defer c.release(); select {} }()`
// on one line per accepted connection, meant to "hold" it open.
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type conn struct {
	id   int
	pool *connPool
}

type connPool struct {
	mu   sync.Mutex
	open int
}

func (c *conn) release() {
	c.pool.mu.Lock()
	c.pool.open--
	c.pool.mu.Unlock()
}

func (p *connPool) accept(id int) {
	p.mu.Lock()
	p.open++
	p.mu.Unlock()
	c := &conn{id: id, pool: p}
	go func() { defer c.release(); select {} }()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	p := &connPool{}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			p.accept(id)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-cases--oneline-closure")
}
