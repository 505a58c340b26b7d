// select-no-exit--two-case-labels: a labelled `for` with a two-case
// select (`continue loop`, `break` out of the select only, a `goto`),
// started per stream through a closure in a loop; no case ends it.
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Mux struct {
	mu    sync.Mutex
	bytes int
	kick  chan struct{}
}

func (m *Mux) OpenStreams(n int) []chan []byte {
	streams := make([]chan []byte, n)
	for i := range streams {
		in := make(chan []byte)
		streams[i] = in
		go func() {
			retries := 0
		loop:
			for {
				select {
				case b := <-in:
					if b == nil {
						continue loop
					}
					if len(b) > 1<<20 {
						break // leaves the select, not the loop
					}
					m.mu.Lock()
					m.bytes += len(b)
					m.mu.Unlock()
				case <-m.kick:
					retries++
					if retries > 3 {
						goto reset
					}
				}
			}
		reset:
			retries = 0
			goto loop
		}()
	}
	return streams
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	m := &Mux{kick: make(chan struct{})}
	for k := 1; k <= 3; k++ {
		for _, s := range m.OpenStreams(10) {
			s <- []byte("frame")
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-exit--two-case-labels")
}
