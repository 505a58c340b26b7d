package main

import (
	"context"
	"log"
	"math/rand"
	"sync/atomic"
	"time"
)

// A segment is a group of keys a page needs, prefetched on its own
// schedule within a time budget so the page renders from cache.
type segment struct {
	name   string
	every  [2]time.Duration // jittered interval between waves
	budget time.Duration
	keys   func(r *rand.Rand) []string
}

type scheduler struct {
	w        *warmer
	cat      *catalog
	segments []segment

	waves, partial, warmed atomic.Int64
}

type fetchResult struct {
	key  string
	err  error
	took time.Duration
}

func newScheduler(w *warmer, cat *catalog) *scheduler {
	s := &scheduler{w: w, cat: cat}
	s.segments = []segment{
		{
			name: "homepage", every: [2]time.Duration{6 * time.Second, 9 * time.Second}, budget: 2500 * time.Millisecond,
			keys: func(r *rand.Rand) []string { return cat.top(24, r.Intn(1+cat.size()/3)) }, // trending shelf moves
		},
		{
			name: "deals", every: [2]time.Duration{8 * time.Second, 12 * time.Second}, budget: 3 * time.Second,
			keys: func(r *rand.Rand) []string { return cat.sample(r, 16) },
		},
		{
			name: "new-arrivals", every: [2]time.Duration{5 * time.Second, 7 * time.Second}, budget: 2 * time.Second,
			keys: func(r *rand.Rand) []string { return cat.newest(30) },
		},
	}
	return s
}

func (s *scheduler) run(ctx context.Context) {
	for i := range s.segments {
		go s.segmentLoop(ctx, s.segments[i], int64(i))
	}
}

func (s *scheduler) segmentLoop(ctx context.Context, seg segment, seed int64) {
	r := rand.New(rand.NewSource(time.Now().UnixNano() + seed))
	next := func() time.Duration {
		return seg.every[0] + time.Duration(r.Int63n(int64(seg.every[1]-seg.every[0])))
	}
	t := time.NewTimer(next() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.warm(ctx, seg, seg.keys(r))
		t.Reset(next())
	}
}

// warm prefetches the keys of one wave that are not cached yet, all at
// once, and waits for them within the segment's budget. A wave that runs
// out of budget is logged as partial; its slow fetches still land in the
// cache when they finish.
func (s *scheduler) warm(ctx context.Context, seg segment, keys []string) {
	var missing []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] && !s.w.cache.has(k) {
			missing = append(missing, k)
		}
		seen[k] = true
	}
	if len(missing) == 0 {
		return
	}
	s.waves.Add(1)

	wctx, cancel := context.WithTimeout(ctx, seg.budget)
	defer cancel()

	results := make(chan fetchResult)
	for _, k := range missing {
		// Fetches run under the warmer's own context, not the wave's: a
		// fetch that outlives the budget still fills the cache.
		go s.w.fetchOne(k, results)
	}

	ok, failed := 0, 0
	for range missing {
		select {
		case r := <-results:
			if r.err != nil {
				failed++
			} else {
				ok++
			}
		case <-wctx.Done():
			s.partial.Add(1)
			s.warmed.Add(int64(ok))
			if s.partial.Load()%10 == 1 {
				log.Printf("warm %s: budget %v spent, %d/%d warmed, %d failed, %d still fetching",
					seg.name, seg.budget, ok, len(missing), failed, len(missing)-ok-failed)
			}
			return
		}
	}
	s.warmed.Add(int64(ok))
}

// fetchOne fetches one key for a warm-up wave, stores it and reports back.
func (w *warmer) fetchOne(key string, results chan<- fetchResult) {
	start := time.Now()
	val, ttl, err := w.fetchWithTimeout(w.ctx, key, w.cfg.fetchTimeout)
	if err == nil {
		w.put(key, val, ttl)
	}
	results <- fetchResult{key: key, err: err, took: time.Since(start)}
}
