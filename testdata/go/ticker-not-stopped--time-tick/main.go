// ticker-not-stopped--time-tick: a closure per watched job does
// `for range time.Tick(time.Minute)`; time.Tick's ticker can never be
// stopped, and the closures never return.
package main

import (
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Monitor struct {
	mu     sync.Mutex
	checks map[int]int
}

func (m *Monitor) Watch(job int) {
	go func() {
		for range time.Tick(time.Minute) {
			m.mu.Lock()
			m.checks[job]++
			m.mu.Unlock()
		}
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	m := &Monitor{checks: map[int]int{}}
	job := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			job++
			m.Watch(job)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ticker-not-stopped--time-tick")
}
