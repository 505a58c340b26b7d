package main

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"
)

// entry is one cached product. evicted is closed when the entry leaves the
// cache, which is what its refresher watches for.
type entry struct {
	key     string
	evicted chan struct{}
	elem    *list.Element

	mu       sync.Mutex
	val      []byte
	fetched  time.Time
	ttl      time.Duration
	lastRead time.Time
}

func (e *entry) snapshot() (val []byte, fetched time.Time, ttl time.Duration, lastRead time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.val, e.fetched, e.ttl, e.lastRead
}

type cache struct {
	max int

	mu      sync.Mutex
	entries map[string]*entry
	lru     *list.List // front = most recently used

	hits, misses, evictions, drops atomic.Int64
}

type cacheStats struct {
	entries                        int
	hits, misses, evicted, dropped int64
}

func newCache(max int) *cache {
	return &cache{max: max, entries: make(map[string]*entry), lru: list.New()}
}

func (c *cache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		c.lru.MoveToFront(e.elem)
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	now := time.Now()
	e.mu.Lock()
	fresh := now.Sub(e.fetched) < e.ttl
	e.lastRead = now
	val := e.val
	e.mu.Unlock()
	if !fresh {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	return val, true
}

func (c *cache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	return ok
}

// store puts a fetched value in the cache. It returns the entry and
// whether it is new (the caller then starts its refresher).
func (c *cache) store(key string, val []byte, ttl time.Duration) (*entry, bool) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &entry{key: key, evicted: make(chan struct{})}
		e.elem = c.lru.PushFront(e)
		c.entries[key] = e
	} else {
		c.lru.MoveToFront(e.elem)
	}
	var victims []*entry
	for c.lru.Len() > c.max {
		old := c.lru.Back().Value.(*entry)
		c.removeLocked(old)
		victims = append(victims, old)
	}
	c.mu.Unlock()

	e.mu.Lock()
	e.val, e.fetched, e.ttl = val, now, ttl
	e.mu.Unlock()
	for _, v := range victims {
		c.evictions.Add(1)
		close(v.evicted)
	}
	return e, !ok
}

// drop removes an entry nobody reads any more.
func (c *cache) drop(e *entry) {
	c.mu.Lock()
	cur, ok := c.entries[e.key]
	if ok && cur == e {
		c.removeLocked(e)
	}
	c.mu.Unlock()
	if ok && cur == e {
		c.drops.Add(1)
		close(e.evicted)
	}
}

func (c *cache) removeLocked(e *entry) {
	delete(c.entries, e.key)
	c.lru.Remove(e.elem)
}

func (c *cache) stats() cacheStats {
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	return cacheStats{entries: n, hits: c.hits.Load(), misses: c.misses.Load(), evicted: c.evictions.Load(), dropped: c.drops.Load()}
}

// update refreshes an entry in place if it is still the cached one.
func (c *cache) update(e *entry, val []byte, ttl time.Duration) bool {
	c.mu.Lock()
	cur, ok := c.entries[e.key]
	c.mu.Unlock()
	if !ok || cur != e {
		return false
	}
	e.mu.Lock()
	e.val, e.fetched, e.ttl = val, time.Now(), ttl
	e.mu.Unlock()
	return true
}
