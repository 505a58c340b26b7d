// control-ticker-pool: leak-free. A connection pool whose connections each
// keep a keep-alive ticker; the pool fills to its limit in the first two
// phases and then holds (connections are reused, and each ticker is
// stopped when its connection closes at shutdown). The heap site of
// time.NewTicker rises once and then holds: a pool that filled, not a leak.
// Each connection runs one keep-alive goroutine (a select on its ticker and
// its close channel), so the goroutine count rises and holds too.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type conn struct {
	id      int
	ticker  *time.Ticker
	closing chan struct{}
	pings   int
	buf     []byte
}

func dial(id int) *conn {
	c := &conn{id: id, ticker: time.NewTicker(time.Minute), closing: make(chan struct{}), buf: make([]byte, 512)}
	go c.keepAlive()
	return c
}

func (c *conn) keepAlive() {
	for {
		select {
		case <-c.ticker.C:
			c.pings++
		case <-c.closing:
			return
		}
	}
}

func (c *conn) Close() {
	c.ticker.Stop()
	close(c.closing)
}

type Pool struct {
	mu    sync.Mutex
	idle  []*conn
	all   []*conn
	limit int
}

func (p *Pool) Get() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return c
	}
	if len(p.all) < p.limit {
		c := dial(len(p.all))
		p.all = append(p.all, c)
		return c
	}
	return nil
}

func (p *Pool) Put(c *conn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

func main() {
	snap.Start()
	p := &Pool{limit: 6000}
	// Concurrency per phase: the pool grows to what the busiest phase needs.
	width := []int{2000, 6000, 6000, 3000}
	for k := 1; k <= 4; k++ {
		held := make([]*conn, 0, width[k-1])
		for i := 0; i < width[k-1]; i++ {
			if c := p.Get(); c != nil {
				held = append(held, c)
			}
		}
		for _, c := range held {
			p.Put(c)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	for _, c := range p.all {
		c.Close()
	}
	fmt.Println("conns", len(p.all))
	snap.Finish("control-ticker-pool")
}
