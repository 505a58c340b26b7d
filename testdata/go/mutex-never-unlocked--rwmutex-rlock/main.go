// mutex-never-unlocked--rwmutex-rlock: (*Catalog).Price returns early on a
// missing SKU holding its RLock. The next writer (Reprice) waits in
// RWMutex.Lock, and every reader after it waits in RLock behind the
// pending writer (+1 writer, +9 readers per snapshot).
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Catalog struct {
	mu     sync.RWMutex
	prices map[string]int
}

func (c *Catalog) Price(sku string) (int, error) {
	c.mu.RLock()
	p, ok := c.prices[sku]
	if !ok {
		return 0, fmt.Errorf("no price for %s", sku) // RUnlock skipped
	}
	c.mu.RUnlock()
	return p, nil
}

func (c *Catalog) Reprice(sku string, p int) {
	c.mu.Lock()
	c.prices[sku] = p
	c.mu.Unlock()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Catalog{prices: map[string]int{"a": 1}}
	for k := 1; k <= 3; k++ {
		if k == 1 {
			c.Price("missing")
		}
		go c.Reprice("a", k)
		pool.Do(func() {})
		snap.Settle()
		for i := 0; i < 9; i++ {
			go c.Price("a")
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("mutex-never-unlocked--rwmutex-rlock")
}
