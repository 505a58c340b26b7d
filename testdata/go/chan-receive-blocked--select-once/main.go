// chan-receive-blocked--select-once: each call starts `go c.await()`, a
// method whose one-case select (no loop around it) waits for the reply on
// the call's own channel; calls that time out upstream are never answered.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type call struct {
	id   int
	resp chan string
	done func(string)
}

func (c *call) await() {
	select {
	case r := <-c.resp:
		c.done(r)
	}
}

type dispatcher struct {
	answered int
}

func (d *dispatcher) send(id int) *call {
	c := &call{id: id, resp: make(chan string, 1), done: func(string) { d.answered++ }}
	go c.await()
	if id%3 != 0 {
		// upstream dropped it: nobody will ever write c.resp
		return c
	}
	c.resp <- fmt.Sprintf("ok-%d", id)
	return c
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	d := &dispatcher{}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 15; i++ {
			n++
			d.send(n)
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-receive-blocked--select-once")
}
