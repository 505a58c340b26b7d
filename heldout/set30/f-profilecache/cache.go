package main

import (
	"context"
	"errors"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type CacheConfig struct {
	MinTTL, MaxTTL time.Duration
	NegativeTTL    time.Duration
	FetchTimeout   time.Duration
	JanitorPeriod  time.Duration
}

type entry struct {
	val     *Profile // nil for a cached "not found"
	expires time.Time
	hits    int64
}

type fetchFunc func(ctx context.Context, id string) (*Profile, error)

type Cache struct {
	cfg   CacheConfig
	fetch fetchFunc
	group flightGroup

	mu      sync.RWMutex
	entries map[string]*entry

	hits, misses, shared, loads, loadErrs, evicted int64
}

func NewCache(fetch fetchFunc, cfg CacheConfig) *Cache {
	return &Cache{cfg: cfg, fetch: fetch, entries: make(map[string]*entry)}
}

func (c *Cache) ttl() time.Duration {
	span := int64(c.cfg.MaxTTL - c.cfg.MinTTL)
	return c.cfg.MinTTL + time.Duration(rand.Int63n(span+1))
}

// Get returns the profile for id, loading it from the origin on a miss.
func (c *Cache) Get(ctx context.Context, id string) (*Profile, error) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		atomic.AddInt64(&c.hits, 1)
		atomic.AddInt64(&e.hits, 1)
		if e.val == nil {
			return nil, errNotFound
		}
		return e.val, nil
	}
	atomic.AddInt64(&c.misses, 1)
	return c.load(id)
}

func (c *Cache) load(id string) (*Profile, error) {
	v, err, shared := c.group.Do(id, func() (*Profile, error) {
		atomic.AddInt64(&c.loads, 1)
		// The fetch gets its own deadline: it is shared by every waiter,
		// so it must not die with the first caller's context.
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.FetchTimeout)
		defer cancel()
		p, err := c.fetch(ctx, id)
		switch {
		case err == nil:
			c.store(id, p, c.ttl())
		case errors.Is(err, errNotFound):
			c.store(id, nil, c.cfg.NegativeTTL)
		default:
			atomic.AddInt64(&c.loadErrs, 1)
		}
		return p, err
	})
	if shared {
		atomic.AddInt64(&c.shared, 1)
	}
	return v, err
}

func (c *Cache) store(id string, p *Profile, ttl time.Duration) {
	c.mu.Lock()
	c.entries[id] = &entry{val: p, expires: time.Now().Add(ttl)}
	c.mu.Unlock()
}

// Janitor drops entries that expired a while ago.
func (c *Cache) Janitor(ctx context.Context) {
	t := time.NewTicker(c.cfg.JanitorPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cutoff := now.Add(-3 * time.Second)
			c.mu.Lock()
			for k, e := range c.entries {
				if e.expires.Before(cutoff) {
					delete(c.entries, k)
					atomic.AddInt64(&c.evicted, 1)
				}
			}
			c.mu.Unlock()
		}
	}
}

// RefreshAhead periodically reloads the hottest entries that are about to
// expire, so popular profiles rarely miss. Each refresh runs in its own
// goroutine; a round waits for its refreshes before the next one.
func (c *Cache) RefreshAhead(ctx context.Context, every time.Duration, top int) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			type cand struct {
				id   string
				hits int64
			}
			var cands []cand
			c.mu.RLock()
			for k, e := range c.entries {
				if e.val != nil && e.expires.Sub(now) < 1500*time.Millisecond {
					cands = append(cands, cand{k, atomic.SwapInt64(&e.hits, 0)})
				}
			}
			c.mu.RUnlock()
			sort.Slice(cands, func(i, j int) bool { return cands[i].hits > cands[j].hits })
			if len(cands) > top {
				cands = cands[:top]
			}
			var wg sync.WaitGroup
			for _, cd := range cands {
				wg.Add(1)
				go func(id string) {
					defer wg.Done()
					c.load(id)
				}(cd.id)
			}
			waitTimeout(&wg, every)
		}
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

type CacheStats struct {
	Entries                                          int
	Hits, Misses, Shared, Loads, LoadErrors, Evicted int64
}

func (c *Cache) Stats() CacheStats {
	c.mu.RLock()
	n := len(c.entries)
	c.mu.RUnlock()
	return CacheStats{
		Entries: n, Hits: atomic.LoadInt64(&c.hits), Misses: atomic.LoadInt64(&c.misses),
		Shared: atomic.LoadInt64(&c.shared), Loads: atomic.LoadInt64(&c.loads),
		LoadErrors: atomic.LoadInt64(&c.loadErrs), Evicted: atomic.LoadInt64(&c.evicted),
	}
}
