package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type warmerConfig struct {
	fetchTimeout time.Duration // per origin fetch
	originSlots  int           // concurrent origin requests
	maxEntries   int
}

// warmer owns the cache and everything that talks to the origin for it.
type warmer struct {
	ctx    context.Context // process lifetime
	origin string
	client *http.Client
	cfg    warmerConfig
	slots  chan struct{}
	cache  *cache

	rndMu sync.Mutex
	rnd   *rand.Rand

	refreshers                        atomic.Int64
	fetchOK, fetchTimeouts, fetchErrs atomic.Int64
}

func newWarmer(ctx context.Context, origin string, cfg warmerConfig) *warmer {
	return &warmer{
		ctx:    ctx,
		origin: origin,
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: cfg.originSlots * 2,
			IdleConnTimeout:     30 * time.Second,
		}},
		cfg:   cfg,
		slots: make(chan struct{}, cfg.originSlots),
		cache: newCache(cfg.maxEntries),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano() + 99)),
	}
}

func (w *warmer) jitter(lo, hi time.Duration) time.Duration {
	w.rndMu.Lock()
	defer w.rndMu.Unlock()
	return lo + time.Duration(w.rnd.Int63n(int64(hi-lo)+1))
}

// fetch gets one product from the origin, waiting for an origin slot
// first. The TTL comes from the origin's Cache-Control header.
func (w *warmer) fetch(ctx context.Context, key string) ([]byte, time.Duration, error) {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	defer func() { <-w.slots }()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.origin+"/v1/products/"+key, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("origin %s: %s", key, resp.Status)
	}
	return body, maxAge(resp.Header.Get("Cache-Control"), 60*time.Second), nil
}

// fetchWithTimeout bounds one fetch by the configured per-fetch timeout
// and keeps the counters.
func (w *warmer) fetchWithTimeout(parent context.Context, key string, timeout time.Duration) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	val, ttl, err := w.fetch(ctx, key)
	switch {
	case err == nil:
		w.fetchOK.Add(1)
	case errors.Is(err, context.DeadlineExceeded):
		w.fetchTimeouts.Add(1)
	default:
		w.fetchErrs.Add(1)
	}
	return val, ttl, err
}

// put stores a value and, for a key new to the cache, starts the
// refresher that keeps it warm.
func (w *warmer) put(key string, val []byte, ttl time.Duration) {
	e, created := w.cache.store(key, val, ttl)
	if created {
		w.refreshers.Add(1)
		go w.refreshLoop(e)
	}
}

// load is the read-through path used on a miss.
func (w *warmer) load(ctx context.Context, key string, timeout time.Duration) ([]byte, error) {
	val, ttl, err := w.fetchWithTimeout(ctx, key, timeout)
	if err != nil {
		return nil, err
	}
	w.put(key, val, ttl)
	return val, nil
}

// refreshLoop keeps one entry fresh: it re-fetches at 80% of the TTL,
// backs off after failures, and ends when the entry is evicted or nobody
// has read it since its last refresh.
func (w *warmer) refreshLoop(e *entry) {
	defer w.refreshers.Add(-1)
	due := w.nextRefresh(e)
	failures := 0
	for {
		if !waitDue(due, e.evicted, w.ctx.Done()) {
			return
		}
		_, fetched, _, lastRead := e.snapshot()
		if lastRead.Before(fetched) {
			w.cache.drop(e)
			return
		}
		val, ttl, err := w.fetchWithTimeout(w.ctx, e.key, w.cfg.fetchTimeout)
		if err != nil {
			failures++
			due = time.NewTimer(backoff(failures, w.jitter(0, time.Second)))
			continue
		}
		failures = 0
		if !w.cache.update(e, val, ttl) {
			return
		}
		due = w.nextRefresh(e)
	}
}

func (w *warmer) nextRefresh(e *entry) *time.Timer {
	_, fetched, ttl, _ := e.snapshot()
	at := fetched.Add(ttl * 8 / 10).Add(-w.jitter(0, ttl/20))
	return time.NewTimer(time.Until(at))
}

// waitDue waits for a refresh timer; false if the entry went away first.
func waitDue(t *time.Timer, gone, done <-chan struct{}) bool {
	select {
	case <-t.C:
		return true
	case <-gone:
		t.Stop()
		return false
	case <-done:
		t.Stop()
		return false
	}
}

func backoff(n int, j time.Duration) time.Duration {
	d := 2 * time.Second << uint(n-1)
	if d > 40*time.Second {
		d = 40 * time.Second
	}
	return d + j
}

func maxAge(cc string, def time.Duration) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "max-age=") {
			if n, err := strconv.Atoi(strings.TrimPrefix(part, "max-age=")); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return def
}
