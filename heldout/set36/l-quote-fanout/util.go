package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

var (
	rmu sync.Mutex
	rnd = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func pick(n int) int {
	rmu.Lock()
	defer rmu.Unlock()
	return rnd.Intn(n)
}

func roll(pct int) bool { return pick(100) < pct }

// spread returns a duration in [lo, hi).
func spread(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rmu.Lock()
	defer rmu.Unlock()
	return lo + time.Duration(rnd.Int63n(int64(hi-lo)))
}

func money(lo, hi float64) float64 {
	rmu.Lock()
	defer rmu.Unlock()
	return lo + rnd.Float64()*(hi-lo)
}

// window returns a channel that fires once d has passed, and the function
// that releases its timer when the caller stops waiting early.
func window(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// pause waits d unless ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	c, stop := window(d)
	defer stop()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacer spaces out a loop's iterations with a jittered interval. Its timer
// lives in the struct: wait on C(), then call Next() to arm the next gap.
type pacer struct {
	lo, hi time.Duration
	t      *time.Timer
}

func newPacer(lo, hi time.Duration) *pacer {
	return &pacer{lo: lo, hi: hi, t: time.NewTimer(spread(lo, hi))}
}

func (p *pacer) C() <-chan time.Time { return p.t.C }

// Next arms the timer again; only call it after a receive from C().
func (p *pacer) Next() { p.t.Reset(spread(p.lo, p.hi)) }

func (p *pacer) Stop() { p.t.Stop() }

// retryPolicy is a capped exponential back-off.
type retryPolicy struct {
	first, cap time.Duration
	tries      int
}

// Wait sleeps before the next try; false means the caller should give up
// (out of tries or ctx done).
func (r *retryPolicy) Wait(ctx context.Context, max int) bool {
	if r.tries >= max {
		return false
	}
	d := r.first << uint(r.tries)
	if d > r.cap {
		d = r.cap
	}
	r.tries++
	return pause(ctx, spread(d/2, d)) == nil
}
