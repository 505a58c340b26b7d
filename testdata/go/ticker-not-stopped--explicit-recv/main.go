// ticker-not-stopped--explicit-recv: keepAlive does `tk := time.NewTicker(d)`
// and `for { <-tk.C; c.ping() }`: a plain receive (runtime.chanrecv1), no
// range and no select, never stopped.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Conn struct {
	addr  string
	pings int
}

func (c *Conn) ping() { c.pings++ }

func keepAlive(c *Conn, every time.Duration) {
	tk := time.NewTicker(every)
	for {
		<-tk.C
		c.ping()
	}
}

func dial(addr string) *Conn {
	c := &Conn{addr: addr}
	go keepAlive(c, 45*time.Second)
	return c
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c := dial(fmt.Sprintf("10.0.%d.%d:443", k, i))
			pool.Do(func() { _ = c.addr })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ticker-not-stopped--explicit-recv")
}
