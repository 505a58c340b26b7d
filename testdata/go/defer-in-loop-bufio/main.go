// defer-in-loop-bufio: a connection handler loops over frames forever and
// defers the flush of a per-frame buffered writer.
package main

import (
	"bufio"
	"io/ioutil"

	"example.com/leaks/internal/snap"
)

type Conn struct {
	frames chan []byte
	acks   chan struct{}
}

func (c *Conn) serve() {
	for {
		frame, ok := <-c.frames
		if !ok {
			return
		}
		w := bufio.NewWriterSize(ioutil.Discard, 4096)
		defer w.Flush()
		w.Write(frame)
		c.acks <- struct{}{}
	}
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	c := &Conn{frames: make(chan []byte), acks: make(chan struct{})}
	go c.serve()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 300; i++ {
			c.frames <- []byte("frame")
			<-c.acks
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("defer-in-loop-bufio")
}
