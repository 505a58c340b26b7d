// goroutine-retains-data-select: a request handler spawns a watcher that
// selects on a quit channel and an updates channel; neither is ever used
// after the handler returns, and the watcher keeps the request's decoded
// payload alive.
package main

import (
	"example.com/leaks/internal/snap"
)

type Payload struct {
	Rows [][]byte
}

type Handler struct {
	updates chan string
}

func (h *Handler) Serve(n int) {
	p := &Payload{}
	for i := 0; i < 8; i++ {
		p.Rows = append(p.Rows, make([]byte, 2048))
	}
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-quit:
				return
			case u := <-h.updates:
				p.Rows[0] = []byte(u)
			}
		}
	}()
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	h := &Handler{updates: make(chan string)}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			h.Serve(i)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("goroutine-retains-data-select")
}
