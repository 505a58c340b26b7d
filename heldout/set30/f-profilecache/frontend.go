package main

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"sync/atomic"
	"time"
)

// frontend simulates the API tier calling the cache: one goroutine per
// incoming request, a request rate that climbs over the run, and bursts
// when a handful of profiles get linked from somewhere popular.
type frontend struct {
	cache *Cache
	start time.Time
	zipf  *rand.Zipf

	ok, errs, inflight int64
}

func newFrontend(c *Cache) *frontend {
	return &frontend{
		cache: c,
		start: time.Now(),
		zipf:  rand.NewZipf(rand.New(rand.NewSource(time.Now().UnixNano())), 1.15, 4, 2999),
	}
}

func (f *frontend) okCount() int64       { return atomic.LoadInt64(&f.ok) }
func (f *frontend) errCount() int64      { return atomic.LoadInt64(&f.errs) }
func (f *frontend) inflightCount() int64 { return atomic.LoadInt64(&f.inflight) }

func (f *frontend) drive(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	nextBurst := time.Now().Add(time.Duration(3+rand.Intn(5)) * time.Second)
	var acc float64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s := now.Sub(f.start).Seconds()
			rate := (25 + s/2) * (1 + 0.3*math.Sin(2*math.Pi*s/45))
			acc += rate * 0.02
			for ; acc >= 1; acc-- {
				f.request(ctx, f.userID())
			}
			if now.After(nextBurst) {
				go f.burst(ctx)
				nextBurst = now.Add(time.Duration(4+rand.Intn(7)) * time.Second)
			}
		}
	}
}

func (f *frontend) userID() string {
	// zipf is not safe for concurrent use; only drive calls it.
	return fmt.Sprintf("u%04d", f.zipf.Uint64())
}

// burst: a few profiles are suddenly requested by many clients at once.
func (f *frontend) burst(ctx context.Context) {
	ids := make([]string, 2+rand.Intn(4))
	for i := range ids {
		ids[i] = fmt.Sprintf("u%04d", 100+rand.Intn(2900))
	}
	n := 30 + rand.Intn(30)
	for i := 0; i < n; i++ {
		f.request(ctx, ids[rand.Intn(len(ids))])
		time.Sleep(time.Duration(5+rand.Intn(20)) * time.Millisecond)
	}
}

func (f *frontend) request(ctx context.Context, id string) {
	if atomic.LoadInt64(&f.inflight) > 250 {
		atomic.AddInt64(&f.errs, 1) // shed at the edge
		return
	}
	atomic.AddInt64(&f.inflight, 1)
	go f.handle(ctx, id)
}

func (f *frontend) handle(ctx context.Context, id string) {
	defer atomic.AddInt64(&f.inflight, -1)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	p, err := f.cache.Get(ctx, id)
	if err != nil && err != errNotFound {
		atomic.AddInt64(&f.errs, 1)
		return
	}
	if p != nil {
		_ = len(p.Bio)
	}
	atomic.AddInt64(&f.ok, 1)
}
