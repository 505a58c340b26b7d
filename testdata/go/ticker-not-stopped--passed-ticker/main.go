// ticker-not-stopped--passed-ticker: (*Pool).Add makes a time.Ticker per
// connection and hands it to the named method (*Pool).probe, which waits
// on it in a select with one case inside an endless loop. Nothing stops
// the ticker or ends the loop once the connection is dropped from the
// pool.
package main

import (
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Conn struct {
	addr   string
	probes int
}

type Pool struct {
	conns map[string]*Conn
}

func (p *Pool) probe(c *Conn, every *time.Ticker) {
	for {
		select {
		case <-every.C:
			c.probes++
		}
	}
}

func (p *Pool) Add(addr string) {
	c := &Conn{addr: addr}
	p.conns[addr] = c
	tk := time.NewTicker(10 * time.Minute)
	go p.probe(c, tk)
}

func (p *Pool) Drop(addr string) { delete(p.conns, addr) }

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	p := &Pool{conns: map[string]*Conn{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			addr := "10.0.0." + string(rune('0'+n%10))
			p.Add(addr)
			p.Drop(addr)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ticker-not-stopped--passed-ticker")
}
