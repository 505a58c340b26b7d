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

// sleepCtx waits d or until ctx is done, whichever comes first, and
// reports whether the full wait elapsed.
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

// backoff is a capped, jittered exponential back-off. next gives the
// coming wait; arm starts a timer for it, which the caller waits on
// however it likes and must stop if it gives up early.
type backoff struct {
	base, max time.Duration
	cur       time.Duration
}

func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.base
	case b.cur < b.max:
		b.cur *= 2
		if b.cur > b.max {
			b.cur = b.max
		}
	}
	return b.cur/2 + between(0, b.cur/2)
}

func (b *backoff) arm() *time.Timer { return time.NewTimer(b.next()) }

func (b *backoff) reset() { b.cur = 0 }
