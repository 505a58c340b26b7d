// control-blocking-loop: per-connection loops that block in a select (no
// default) and exit when their connection closes; a fixed number of
// long-lived dispatchers that block on their queue. Nothing grows.
package main

import (
	"sync"

	"example.com/leaks/internal/snap"
)

type Conn struct {
	in     chan []byte
	closed chan struct{}
	n      int
}

func (c *Conn) loop(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-c.closed:
			return
		case b := <-c.in:
			c.n += len(b)
		}
	}
}

func dispatcher(queue <-chan func()) {
	for {
		job, ok := <-queue
		if !ok {
			return
		}
		job()
	}
}

func main() {
	snap.Start()
	queue := make(chan func())
	for i := 0; i < 3; i++ {
		go dispatcher(queue)
	}
	var wg sync.WaitGroup
	var open []*Conn
	for k := 1; k <= 3; k++ {
		for _, c := range open {
			close(c.closed)
		}
		wg.Wait()
		open = open[:0]
		for i := 0; i < 5; i++ {
			c := &Conn{in: make(chan []byte), closed: make(chan struct{})}
			wg.Add(1)
			go c.loop(&wg)
			c.in <- []byte("hello")
			open = append(open, c)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("control-blocking-loop")
}
