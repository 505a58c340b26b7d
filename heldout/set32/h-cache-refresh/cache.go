package main

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// item is what a cache read returns.
type item struct {
	Key     string `json:"key"`
	Version int64  `json:"version"`
	Body    string `json:"body"`
	Hit     bool   `json:"hit"`
	Stale   bool   `json:"stale,omitempty"`
}

// entry is one cached key. mu is held while the entry is read or
// refreshed, so concurrent misses for the same key cost one origin fetch.
type entry struct {
	key      string
	lastUsed int64 // unix nanos, atomic

	mu      sync.Mutex
	loaded  bool
	body    string
	version int64
	etag    string
	expires time.Time
}

func (e *entry) itemLocked(hit bool) item {
	return item{Key: e.key, Version: e.version, Body: e.body, Hit: hit}
}

type cacheStats struct {
	hits, misses, notModified, staleServed, originErrors, regressions, writes, evicted int64
}

// refreshCache is a read-through, write-through cache in front of the
// origin.
type refreshCache struct {
	origin     *originClient
	maxEntries int
	staleGrace time.Duration

	mu      sync.Mutex
	entries map[string]*entry

	stats cacheStats
}

func newRefreshCache(origin *originClient, maxEntries int, staleGrace time.Duration) *refreshCache {
	return &refreshCache{origin: origin, maxEntries: maxEntries, staleGrace: staleGrace, entries: map[string]*entry{}}
}

func ttlFor(key string) time.Duration {
	switch {
	case strings.HasPrefix(key, "product:"):
		return 1500 * time.Millisecond
	case strings.HasPrefix(key, "doc:"):
		return 2 * time.Second
	default:
		return 4 * time.Second
	}
}

func (c *refreshCache) lookup(key string) *entry {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &entry{key: key}
		c.entries[key] = e
	}
	c.mu.Unlock()
	atomic.StoreInt64(&e.lastUsed, time.Now().UnixNano())
	return e
}

// Get returns the cached value of key, refreshing it from the origin when
// it has expired.
func (c *refreshCache) Get(ctx context.Context, key string) (item, error) {
	e := c.lookup(key)
	e.mu.Lock()
	now := time.Now()
	if e.loaded && now.Before(e.expires) {
		it := e.itemLocked(true)
		e.mu.Unlock()
		atomic.AddInt64(&c.stats.hits, 1)
		return it, nil
	}
	atomic.AddInt64(&c.stats.misses, 1)
	return c.refreshLocked(ctx, e, now)
}

// refreshLocked is called with e.mu held; it fetches the key from the
// origin (conditionally when the entry holds a version) and releases e.mu.
func (c *refreshCache) refreshLocked(ctx context.Context, e *entry, now time.Time) (item, error) {
	obj, err := c.origin.fetch(ctx, e.key, e.etag)
	switch {
	case err == errNotModified:
		atomic.AddInt64(&c.stats.notModified, 1)
		e.expires = time.Now().Add(ttlFor(e.key))
		it := e.itemLocked(true)
		e.mu.Unlock()
		return it, nil
	case err == errNotFound:
		e.loaded, e.body, e.etag, e.version = false, "", "", 0
		e.mu.Unlock()
		return item{}, err
	case err != nil:
		atomic.AddInt64(&c.stats.originErrors, 1)
		if e.loaded && now.Sub(e.expires) < c.staleGrace {
			it := e.itemLocked(false)
			it.Stale = true
			e.mu.Unlock()
			atomic.AddInt64(&c.stats.staleServed, 1)
			return it, nil
		}
		e.mu.Unlock()
		return item{}, err
	}
	if obj.Version < e.version {
		// The read was answered by a replica that has not caught up with
		// a write we already cached; keep our copy and let the client
		// retry.
		atomic.AddInt64(&c.stats.regressions, 1)
		return item{}, fmt.Errorf("cache: %s: origin returned version %d, cached %d", e.key, obj.Version, e.version)
	}
	e.install(obj)
	it := e.itemLocked(false)
	e.mu.Unlock()
	return it, nil
}

func (e *entry) install(obj object) {
	e.loaded = true
	e.body = obj.Body
	e.version = obj.Version
	e.etag = obj.etag()
	e.expires = time.Now().Add(ttlFor(e.key))
}

// Put writes body through to the origin and caches the new version.
func (c *refreshCache) Put(ctx context.Context, key string, body []byte) (item, error) {
	obj, err := c.origin.store(ctx, key, body)
	if err != nil {
		return item{}, err
	}
	atomic.AddInt64(&c.stats.writes, 1)
	e := c.lookup(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if obj.Version > e.version {
		e.install(obj)
	}
	return e.itemLocked(false), nil
}

// evictLoop drops entries idle for longer than idle and, when the cache
// is over capacity, the least recently used ones. Entries whose lock is
// held are being read or refreshed and are left alone.
func (c *refreshCache) evictLoop(ctx context.Context, every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.evict(now, idle)
		}
	}
}

func (c *refreshCache) evict(now time.Time, idle time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	type cand struct {
		key  string
		e    *entry
		used int64
	}
	cands := make([]cand, 0, len(c.entries))
	for k, e := range c.entries {
		cands = append(cands, cand{k, e, atomic.LoadInt64(&e.lastUsed)})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].used < cands[j].used })
	over := len(cands) - c.maxEntries
	cutoff := now.Add(-idle).UnixNano()
	for _, cd := range cands {
		if over <= 0 && cd.used > cutoff {
			break
		}
		if !cd.e.mu.TryLock() {
			continue
		}
		delete(c.entries, cd.key)
		cd.e.mu.Unlock()
		over--
		c.stats.evicted++
	}
}

func (c *refreshCache) reportLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.mu.Lock()
			n := len(c.entries)
			ev := c.stats.evicted
			c.mu.Unlock()
			log.Printf("cache: entries=%d hits=%d misses=%d notmod=%d stale=%d originerr=%d regress=%d writes=%d evicted=%d",
				n, atomic.LoadInt64(&c.stats.hits), atomic.LoadInt64(&c.stats.misses),
				atomic.LoadInt64(&c.stats.notModified), atomic.LoadInt64(&c.stats.staleServed),
				atomic.LoadInt64(&c.stats.originErrors), atomic.LoadInt64(&c.stats.regressions),
				atomic.LoadInt64(&c.stats.writes), ev)
		}
	}
}
