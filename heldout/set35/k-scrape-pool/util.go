package main

import (
	"context"
	"hash/fnv"
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

func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// retryBackoff produces growing waits for a retry loop and waits them out.
type retryBackoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *retryBackoff) reset() { b.cur = 0 }

// wait sleeps for the next back-off step; false if ctx ended first.
func (b *retryBackoff) wait(ctx context.Context) bool {
	if b.cur == 0 {
		b.cur = b.min
	} else if b.cur *= 2; b.cur > b.max {
		b.cur = b.max
	}
	d := b.cur/2 + time.Duration(randFloat()*float64(b.cur/2))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
