// busy-loop-select-default: each stream starts a forwarder that polls its
// input with a select that has a default case; the done channel is never
// closed, so the forwarders spin forever.
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type Forwarder struct {
	in   chan []byte
	done chan struct{}
	sent int
}

func (f *Forwarder) run() {
	for {
		select {
		case <-f.done:
			return
		case b := <-f.in:
			f.sent += len(b)
		default:
			runtime.Gosched()
		}
	}
}

func openStream() *Forwarder {
	f := &Forwarder{in: make(chan []byte, 4), done: make(chan struct{})}
	go f.run()
	return f // BUG: callers never close f.done
}

func main() {
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			_ = openStream()
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("busy-loop-select-default")
}
