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

func jitter(base, spread time.Duration) time.Duration {
	if spread <= 0 {
		return base
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return base + time.Duration(rng.Int63n(int64(spread)))
}

// pause waits for d unless ctx ends first; it reports whether the full
// pause elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
