package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

func chance(pct int) bool { return randIntn(100) < pct }

// pause waits d or until ctx ends; it reports whether the full wait
// elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is a capped exponential back-off with jitter. next arms a
// timer for the coming wait; the caller decides how to wait on it.
type backoff struct {
	base, max time.Duration
	cur       time.Duration
}

func (b *backoff) next() *time.Timer {
	if b.cur == 0 {
		b.cur = b.base
	} else {
		b.cur *= 2
		if b.cur > b.max {
			b.cur = b.max
		}
	}
	return time.NewTimer(b.cur/2 + between(0, b.cur/2))
}

func (b *backoff) reset() { b.cur = 0 }
