package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// entry is one cached name. Every entry owns a refresher goroutine that
// re-queries the upstream shortly before the TTL runs out, so popular names
// never go cold.
type entry struct {
	name     string
	ans      answer
	lastUsed time.Time
	// changed is closed (and replaced) whenever the address changes; watch
	// requests wait on it.
	changed chan struct{}
	// evicted is closed when the entry leaves the cache; its refresher and
	// any watchers then stop.
	evicted chan struct{}
	gone    bool
}

// flight is one upstream query in progress. Concurrent lookups of the same
// name share it; each of them waits only as long as its own context allows,
// while the flight runs to completion under its own timeout and fills the
// cache for whoever asks next.
type flight struct {
	done chan struct{}
	ans  answer
	err  error
}

func (f *flight) wait(ctx context.Context) (answer, error) {
	select {
	case <-f.done:
		return f.ans, f.err
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
}

type cacheStats struct {
	hits, stale, misses, coalesced, gaveUp, flights, flightErrs, evictions int64
	refreshers, watchers                                                   int64
}

// Cache is a resolver cache in front of a slow upstream.
type Cache struct {
	ctx           context.Context
	up            *upstreamClient
	flightTimeout time.Duration
	staleFor      time.Duration // serve an expired answer this long while refreshing
	idleLimit     time.Duration // evict entries nobody asked for in this long
	maxEntries    int

	mu      sync.Mutex
	entries map[string]*entry
	flights map[string]*flight

	st cacheStats
}

func NewCache(ctx context.Context, up *upstreamClient, maxEntries int) *Cache {
	return &Cache{
		ctx:           ctx,
		up:            up,
		flightTimeout: 12 * time.Second,
		staleFor:      30 * time.Second,
		idleLimit:     150 * time.Second,
		maxEntries:    maxEntries,
		entries:       make(map[string]*entry),
		flights:       make(map[string]*flight),
	}
}

// Lookup returns the cached answer for name, or joins (or starts) the
// upstream query for it and waits until ctx expires.
func (c *Cache) Lookup(ctx context.Context, name string) (answer, error) {
	now := time.Now()
	c.mu.Lock()
	if e := c.entries[name]; e != nil {
		e.lastUsed = now
		ans := e.ans
		if now.Before(ans.expires()) {
			c.mu.Unlock()
			atomic.AddInt64(&c.st.hits, 1)
			return ans, nil
		}
		if now.Before(ans.expires().Add(c.staleFor)) {
			// The refresher is late (upstream slow or failing); hand out
			// the stale answer and make sure a query is on its way.
			c.joinLocked(name)
			c.mu.Unlock()
			atomic.AddInt64(&c.st.stale, 1)
			return ans, nil
		}
	}
	f := c.joinLocked(name)
	c.mu.Unlock()
	atomic.AddInt64(&c.st.misses, 1)

	ans, err := f.wait(ctx)
	if err != nil && ctx.Err() != nil {
		atomic.AddInt64(&c.st.gaveUp, 1)
	}
	return ans, err
}

// joinLocked returns the flight for name, starting one if none is running.
func (c *Cache) joinLocked(name string) *flight {
	if f, ok := c.flights[name]; ok {
		atomic.AddInt64(&c.st.coalesced, 1)
		return f
	}
	f := &flight{done: make(chan struct{})}
	c.flights[name] = f
	atomic.AddInt64(&c.st.flights, 1)
	go c.fly(name, f)
	return f
}

func (c *Cache) fly(name string, f *flight) {
	ctx, cancel := context.WithTimeout(c.ctx, c.flightTimeout)
	defer cancel()
	ans, err := c.up.Query(ctx, name)

	c.mu.Lock()
	delete(c.flights, name)
	if err == nil {
		c.storeLocked(ans)
	} else {
		atomic.AddInt64(&c.st.flightErrs, 1)
	}
	f.ans, f.err = ans, err
	c.mu.Unlock()
	close(f.done)
}

func (c *Cache) storeLocked(ans answer) {
	if e, ok := c.entries[ans.Name]; ok {
		old := e.ans
		e.ans = ans
		if old.Addr != ans.Addr {
			close(e.changed)
			e.changed = make(chan struct{})
		}
		return
	}
	if len(c.entries) >= c.maxEntries {
		c.evictOldestLocked()
	}
	e := &entry{
		name:     ans.Name,
		ans:      ans,
		lastUsed: time.Now(),
		changed:  make(chan struct{}),
		evicted:  make(chan struct{}),
	}
	c.entries[ans.Name] = e
	atomic.AddInt64(&c.st.refreshers, 1)
	go c.refresh(e)
}

func (c *Cache) evictOldestLocked() {
	var victim *entry
	for _, e := range c.entries {
		if victim == nil || e.lastUsed.Before(victim.lastUsed) {
			victim = e
		}
	}
	if victim != nil {
		c.removeLocked(victim)
	}
}

func (c *Cache) removeLocked(e *entry) {
	if e.gone {
		return
	}
	e.gone = true
	delete(c.entries, e.name)
	close(e.evicted)
	atomic.AddInt64(&c.st.evictions, 1)
}

// refresh keeps one entry warm until it is evicted or goes idle.
func (c *Cache) refresh(e *entry) {
	defer atomic.AddInt64(&c.st.refreshers, -1)
	failures := 0
	for {
		if !c.sleepUntilDue(e, c.nextRefresh(e, failures)) {
			return
		}
		c.mu.Lock()
		if e.gone {
			c.mu.Unlock()
			return
		}
		if time.Since(e.lastUsed) > c.idleLimit {
			c.removeLocked(e)
			c.mu.Unlock()
			return
		}
		f := c.joinLocked(e.name)
		c.mu.Unlock()

		<-f.done // bounded by the flight's own timeout
		if f.err != nil {
			failures++
		} else {
			failures = 0
		}
	}
}

// nextRefresh is how long the refresher sleeps: most of the remaining TTL
// after a good answer, an exponential back-off after failed refreshes.
func (c *Cache) nextRefresh(e *entry, failures int) time.Duration {
	if failures > 0 {
		d := 4 * time.Second << uint(failures-1)
		if d > 80*time.Second {
			d = 80 * time.Second
		}
		return jitter(d, 0.2)
	}
	c.mu.Lock()
	ans := e.ans
	c.mu.Unlock()
	left := time.Until(ans.expires())
	d := time.Duration(float64(left) * (0.75 + 0.15*randFloat64()))
	if d < time.Second {
		d = time.Second
	}
	return d
}

func (c *Cache) sleepUntilDue(e *entry, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.evicted:
		return false
	case <-c.ctx.Done():
		return false
	}
}

// awaitChange blocks until the address of name differs from seen, the
// expiry channel fires, the entry is evicted or ctx ends. It returns the
// current answer and whether it changed.
func (c *Cache) awaitChange(ctx context.Context, name, seen string, expiry <-chan time.Time) (answer, bool, error) {
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	ans, err := c.Lookup(lctx, name)
	cancel()
	if err != nil {
		return answer{}, false, err
	}
	if ans.Addr != seen {
		return ans, true, nil
	}

	c.mu.Lock()
	e := c.entries[name]
	if e == nil || e.gone {
		c.mu.Unlock()
		return ans, false, nil
	}
	changed, evicted := e.changed, e.evicted
	c.mu.Unlock()

	atomic.AddInt64(&c.st.watchers, 1)
	defer atomic.AddInt64(&c.st.watchers, -1)
	select {
	case <-changed:
	case <-evicted:
		return ans, false, nil
	case <-expiry:
		return ans, false, nil
	case <-ctx.Done():
		return answer{}, false, ctx.Err()
	}
	c.mu.Lock()
	ans = e.ans
	c.mu.Unlock()
	return ans, true, nil
}

func (c *Cache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache) snapshot() cacheStats {
	return cacheStats{
		hits:       atomic.LoadInt64(&c.st.hits),
		stale:      atomic.LoadInt64(&c.st.stale),
		misses:     atomic.LoadInt64(&c.st.misses),
		coalesced:  atomic.LoadInt64(&c.st.coalesced),
		gaveUp:     atomic.LoadInt64(&c.st.gaveUp),
		flights:    atomic.LoadInt64(&c.st.flights),
		flightErrs: atomic.LoadInt64(&c.st.flightErrs),
		evictions:  atomic.LoadInt64(&c.st.evictions),
		refreshers: atomic.LoadInt64(&c.st.refreshers),
		watchers:   atomic.LoadInt64(&c.st.watchers),
	}
}
