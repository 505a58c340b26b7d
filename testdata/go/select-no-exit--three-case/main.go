// select-no-exit--three-case: (*Cache).janitor selects on evictions, a
// flush request and time.After, with no done case; one per cache and the
// caches are dropped.
package main

import (
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Cache struct {
	items map[string]int
	evict chan string
	flush chan chan int
}

func NewCache() *Cache {
	c := &Cache{items: map[string]int{}, evict: make(chan string), flush: make(chan chan int)}
	go c.janitor()
	return c
}

func (c *Cache) janitor() {
	for {
		select {
		case key := <-c.evict:
			delete(c.items, key)
		case reply := <-c.flush:
			reply <- len(c.items)
			c.items = map[string]int{}
		case <-time.After(10 * time.Minute):
			c.items = map[string]int{}
		}
	}
}

func (c *Cache) Flush() int {
	r := make(chan int)
	c.flush <- r
	return <-r
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c := NewCache()
			c.evict <- "stale"
			c.Flush()
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-exit--three-case")
}
