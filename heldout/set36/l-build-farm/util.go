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

// between returns a duration in [lo, hi).
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

func chance(pct float64) bool {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()*100 < pct
}

// sleepCtx waits d or until ctx ends, whichever comes first.
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

// deadline is a point in time that can be waited on like a context's Done
// channel, without dragging a context through code that only needs a
// cutoff (the long-poll handlers and the build's overall budget).
type deadline struct {
	at   time.Time
	done chan struct{}
	t    *time.Timer
}

func newDeadline(d time.Duration) *deadline {
	dl := &deadline{at: time.Now().Add(d), done: make(chan struct{})}
	dl.t = time.AfterFunc(d, func() { close(dl.done) })
	return dl
}

// Done is closed when the deadline passes.
func (dl *deadline) Done() <-chan struct{} { return dl.done }

func (dl *deadline) Remaining() time.Duration {
	r := time.Until(dl.at)
	if r < 0 {
		return 0
	}
	return r
}

// Release frees the timer of a deadline nobody waits on any more.
func (dl *deadline) Release() { dl.t.Stop() }

// backoff is a capped exponential back-off with full jitter.
type backoff struct {
	base, max time.Duration
	attempt   int
}

func newBackoff(base, max time.Duration) *backoff {
	return &backoff{base: base, max: max}
}

func (b *backoff) next() time.Duration {
	d := b.base << uint(b.attempt)
	if d > b.max || d <= 0 {
		d = b.max
	} else {
		b.attempt++
	}
	return between(d/2, d)
}

// Wait sleeps for the next back-off step; it returns early with the
// context's error if ctx ends first.
func (b *backoff) Wait(ctx context.Context) error { return sleepCtx(ctx, b.next()) }

func (b *backoff) Reset() { b.attempt = 0 }
