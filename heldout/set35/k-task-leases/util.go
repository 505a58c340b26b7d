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

// jitter returns a duration in [lo, hi).
func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

func percent(p int) bool { return randIntn(100) < p }

// sleepCtx sleeps for d unless ctx ends first. It returns ctx.Err() in
// that case so loops can use it as their exit check.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
