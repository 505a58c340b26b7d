// sleep-loop--closure: `go func() { for !e.finished() { time.Sleep(20 * time.Second) } }()`
// (gofmt puts the loop on its own lines); the export it waits for crashed and never finishes.
package main

import (
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Export struct {
	mu   sync.Mutex
	done bool
}

func (e *Export) finished() bool { e.mu.Lock(); defer e.mu.Unlock(); return e.done }

func track(e *Export) {
	go func() {
		for !e.finished() {
			time.Sleep(20 * time.Second)
		}
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			track(&Export{})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sleep-loop--closure")
}
