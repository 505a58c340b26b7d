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

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

// randDur returns a duration uniformly distributed in [lo, hi).
func randDur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
