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

// resetTimer re-arms t for d, draining a tick that already fired.
func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

// backoff doubles a delay up to a ceiling, with a little jitter.
type backoff struct {
	base, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.base
	} else {
		b.cur *= 2
		if b.cur > b.max {
			b.cur = b.max
		}
	}
	return b.cur/2 + randDur(0, b.cur/2+1)
}

func (b *backoff) reset() { b.cur = 0 }
