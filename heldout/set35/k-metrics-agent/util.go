package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// lockedRand is a math/rand source that is safe for concurrent use; the
// package-level functions are too, but we want one seeded per process.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

var rng = &lockedRand{r: rand.New(rand.NewSource(time.Now().UnixNano()))}

func (l *lockedRand) Intn(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Intn(n)
}

func (l *lockedRand) Float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

// between returns a uniformly random duration in [lo, hi).
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	l := int64(hi - lo)
	rng.mu.Lock()
	n := rng.r.Int63n(l)
	rng.mu.Unlock()
	return lo + time.Duration(n)
}

// chance reports true with probability p.
func chance(p float64) bool { return rng.Float64() < p }

// sleepCtx waits for d, or until ctx is done. It reports whether the whole
// duration passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is a capped exponential back-off with +/-20% jitter.
func backoff(base time.Duration, attempt int, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	j := time.Duration(float64(d) * (0.8 + 0.4*rng.Float64()))
	return j
}
