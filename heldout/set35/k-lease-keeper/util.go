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

// jitter returns base plus a random part of spread.
func jitter(base, spread time.Duration) time.Duration {
	if spread <= 0 {
		return base
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return base + time.Duration(rng.Int63n(int64(spread)))
}

// sleepCtx sleeps for d or until ctx is done, whichever comes first.
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

// backoff is a capped exponential backoff with full jitter.
type backoff struct {
	base, max time.Duration
	attempt   int
}

func (b *backoff) next() time.Duration {
	d := b.base << uint(b.attempt)
	if d > b.max || d <= 0 {
		d = b.max
	} else {
		b.attempt++
	}
	return jitter(d/2, d/2)
}

func (b *backoff) wait(ctx context.Context) error { return sleepCtx(ctx, b.next()) }

func (b *backoff) reset() { b.attempt = 0 }
