package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// HostInfo is metadata about the host a record came from.
type HostInfo struct {
	Zone  string
	Team  string
	Image string
}

// Resolver is one replica of the host metadata service.
type Resolver struct {
	name        string
	baseLatency time.Duration
}

var errNotFound = errors.New("host not found")

func (r *Resolver) Resolve(host string) (HostInfo, error) {
	d := r.baseLatency + time.Duration(rand.Intn(15))*time.Millisecond
	if rand.Intn(40) == 0 {
		d += 120 * time.Millisecond // GC pause / slow replica
	}
	time.Sleep(d)
	if rand.Intn(30) == 0 {
		return HostInfo{}, fmt.Errorf("%s: %w", r.name, errNotFound)
	}
	h := fnv.New32a()
	h.Write([]byte(host))
	v := h.Sum32()
	zones := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	teams := []string{"storefront", "platform", "payments", "search"}
	return HostInfo{
		Zone:  zones[v%uint32(len(zones))],
		Team:  teams[(v/7)%uint32(len(teams))],
		Image: fmt.Sprintf("registry.local/app:%d.%d", 3+v%3, v%40),
	}, nil
}

type cacheEntry struct {
	info    HostInfo
	expires time.Time
}

type lookupResult struct {
	info HostInfo
	err  error
	from string
}

// Enricher attaches host metadata to records, caching lookups.
type Enricher struct {
	stats     *Stats
	resolvers []*Resolver
	ttl       time.Duration

	mu    sync.Mutex
	cache map[string]cacheEntry
}

func NewEnricher(stats *Stats, resolvers []*Resolver) *Enricher {
	return &Enricher{stats: stats, resolvers: resolvers, ttl: 30 * time.Second, cache: make(map[string]cacheEntry)}
}

var errLookupTimeout = errors.New("host lookup timed out")

// lookupHost asks all replicas and takes the first good answer.
func (e *Enricher) lookupHost(ctx context.Context, host string) (HostInfo, error) {
	results := make(chan lookupResult)
	for _, r := range e.resolvers {
		go func(r *Resolver) {
			info, err := r.Resolve(host)
			results <- lookupResult{info: info, err: err, from: r.name}
		}(r)
	}
	timeout := time.NewTimer(250 * time.Millisecond)
	defer timeout.Stop()
	var lastErr error
	for range e.resolvers {
		select {
		case res := <-results:
			if res.err == nil {
				return res.info, nil
			}
			lastErr = res.err
		case <-timeout.C:
			return HostInfo{}, errLookupTimeout
		case <-ctx.Done():
			return HostInfo{}, ctx.Err()
		}
	}
	return HostInfo{}, lastErr
}

func (e *Enricher) hostInfo(ctx context.Context, host string) (HostInfo, bool) {
	now := time.Now()
	e.mu.Lock()
	ent, ok := e.cache[host]
	e.mu.Unlock()
	if ok && now.Before(ent.expires) {
		atomic.AddInt64(&e.stats.cacheHits, 1)
		return ent.info, true
	}
	atomic.AddInt64(&e.stats.cacheMisses, 1)
	info, err := e.lookupHost(ctx, host)
	if err != nil {
		atomic.AddInt64(&e.stats.lookupErrors, 1)
		return HostInfo{}, false
	}
	jitter := time.Duration(rand.Int63n(int64(e.ttl / 5)))
	e.mu.Lock()
	e.cache[host] = cacheEntry{info: info, expires: now.Add(e.ttl + jitter)}
	e.mu.Unlock()
	return info, true
}

func (e *Enricher) run(ctx context.Context, in <-chan Record, out chan<- Record) {
	for {
		select {
		case <-ctx.Done():
			return
		case rec := <-in:
			if info, ok := e.hostInfo(ctx, rec.Host); ok {
				rec.Zone, rec.Team, rec.Image = info.Zone, info.Team, info.Image
			}
			select {
			case out <- rec:
			case <-ctx.Done():
				return
			}
		}
	}
}

// janitor drops expired cache entries so the cache tracks the live fleet.
func (e *Enricher) janitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			e.mu.Lock()
			for h, ent := range e.cache {
				if now.After(ent.expires) {
					delete(e.cache, h)
				}
			}
			e.mu.Unlock()
		}
	}
}
