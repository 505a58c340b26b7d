// context-not-cancelled--stored-background: NewCache stores
// context.Background() in the cache as its lifetime, and every Put starts
// `go c.evictOnClose(key)`, which waits on <-c.life.Done(). Nothing can
// cancel Background: its Done channel is nil.
package main

import (
	"context"
	"strconv"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Cache struct {
	life  context.Context
	mu    sync.Mutex
	items map[string][]byte
}

func NewCache() *Cache {
	return &Cache{life: context.Background(), items: map[string][]byte{}}
}

func (c *Cache) evictOnClose(key string) {
	<-c.life.Done()
	c.mu.Lock()
	delete(c.items, key)
	c.mu.Unlock()
}

func (c *Cache) Put(key string, v []byte) {
	c.mu.Lock()
	c.items[key] = v
	c.mu.Unlock()
	go c.evictOnClose(key)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := NewCache()
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			key := "k" + strconv.Itoa(n)
			pool.Do(func() { c.Put(key, []byte(key)) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--stored-background")
}
