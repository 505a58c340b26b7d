// select-no-exit--one-case: `for { select { case m := <-c.inbox: ... } }`
// with a single case and no way out. The compiler turns a one-case select
// into a plain receive, so the stack says chan receive
// (runtime.chanrecv2), not select.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Message struct{ Text string }

type Conn struct {
	id    int
	inbox chan Message
	mu    sync.Mutex
	got   int
}

func (c *Conn) loop() {
	for {
		select {
		case m, ok := <-c.inbox:
			if !ok {
				fmt.Println("closed") // never happens: nobody closes inbox
			}
			c.mu.Lock()
			c.got += len(m.Text)
			c.mu.Unlock()
		}
	}
}

func Dial(id int) *Conn {
	c := &Conn{id: id, inbox: make(chan Message, 1)}
	go c.loop()
	return c
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			c := Dial(id)
			c.inbox <- Message{Text: "hello"}
			pool.Do(func() {})
			// the connection is dropped here without a Close
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-exit--one-case")
}
