// select-no-cases: the per-connection keepAlive goroutine was meant to
// wait for the connection to close, but blocks on `select {}` forever.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Conn struct {
	ID     int
	Remote string
}

type Listener struct {
	mu     sync.Mutex
	active map[int]*Conn
}

func (l *Listener) register(c *Conn) {
	l.mu.Lock()
	l.active[c.ID] = c
	l.mu.Unlock()
}

// keepConnAlive registers the connection and then parks forever.
func (l *Listener) keepConnAlive(c *Conn) {
	l.register(c)
	select {} // BUG: should wait on the connection's done channel
}

func (l *Listener) accept(id int) {
	c := &Conn{ID: id, Remote: fmt.Sprintf("10.0.0.%d:443", id%250)}
	go l.keepConnAlive(c)
}

func main() {
	snap.Start()
	l := &Listener{active: map[int]*Conn{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			l.accept(id)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("select-no-cases")
}
