// mutex-never-unlocked--oneline-closure: `go func() { c.mu.Lock(); c.n[k]++; c.mu.Unlock() }()`
// on one line; an earlier Reset panicked while holding c.mu and the panic
// was recovered, so the mutex stays locked and every increment blocks.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
	"sync"
)

type Counters struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *Counters) Inc(k string) {
	go func() { c.mu.Lock(); c.n[k]++; c.mu.Unlock() }()
}

func (c *Counters) Reset(keep []string) {
	c.mu.Lock()
	fresh := map[string]int{}
	for i := range keep {
		fresh[keep[i]] = c.n[keep[i+1]] // panics on the last index
	}
	c.n = fresh
	c.mu.Unlock()
}

func safeReset(c *Counters) {
	defer func() { recover() }()
	c.Reset([]string{"a"})
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Counters{n: map[string]int{}}
	safeReset(c)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c.Inc("hits")
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("mutex-never-unlocked--oneline-closure")
}
