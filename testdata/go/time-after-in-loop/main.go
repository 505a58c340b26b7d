// time-after-in-loop: a hot consumer loop does
// `select { case m := <-msgs: ... case <-time.After(time.Hour): }`.
// Every iteration allocates a timer that stays in the runtime timer heap
// until it fires an hour later: heap growth under Go 1.19 and earlier.
// Since Go 1.23, unreferenced timers are collected, so Go 1.27 shows none.
package main

import (
	"time"

	"example.com/leaks/internal/snap"
)

type Message struct {
	ID      int
	Payload [16]byte
}

type Consumer struct {
	msgs      chan Message
	processed int
	idle      int
	done      chan int
}

// run handles one batch of messages.
func (c *Consumer) run(n int) {
	for i := 0; i < n; i++ {
		select {
		case m := <-c.msgs:
			c.processed += m.ID & 1
		case <-time.After(time.Hour): // BUG: a new timer per iteration
			c.idle++
		}
	}
	c.done <- c.processed
}

func (c *Consumer) produce(n, base int) {
	for i := 0; i < n; i++ {
		c.msgs <- Message{ID: base + i}
	}
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	c := &Consumer{msgs: make(chan Message, 1024), done: make(chan int)}
	const perPhase = 20000
	for k := 1; k <= 3; k++ {
		go c.run(perPhase)
		c.produce(perPhase, k*perPhase)
		<-c.done
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, true)
	}
	snap.Finish("time-after-in-loop")
}
