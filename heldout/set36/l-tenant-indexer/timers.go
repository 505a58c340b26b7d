package main

import (
	"math/rand"
	"time"
)

// flushTimer bounds how long accepted documents may sit in a tenant's
// buffer. It is armed when the buffer goes from empty to non-empty and
// disarmed by a size-triggered flush. Only the tenant's run loop uses it.
type flushTimer struct {
	t     *time.Timer
	every time.Duration
	armed bool
}

func newFlushTimer(every time.Duration) *flushTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &flushTimer{t: t, every: every}
}

func (f *flushTimer) C() <-chan time.Time { return f.t.C }

func (f *flushTimer) Arm() {
	if !f.armed {
		f.t.Reset(f.every)
		f.armed = true
	}
}

// Fired records that the run loop received from C.
func (f *flushTimer) Fired() { f.armed = false }

func (f *flushTimer) Disarm() {
	if !f.armed {
		return
	}
	if !f.t.Stop() {
		select {
		case <-f.t.C:
		default:
		}
	}
	f.armed = false
}

func (f *flushTimer) Stop() { f.t.Stop() }

// after is a one-shot timer channel.
func after(d time.Duration) <-chan time.Time { return time.NewTimer(d).C }

// retryDelay is the back-off before attempt n (n >= 1) of a blob request.
func retryDelay(n int) time.Duration {
	d := 100 * time.Millisecond << uint(n)
	if d > 2*time.Second {
		d = 2 * time.Second
	}
	return d/2 + time.Duration(rand.Int63n(int64(d/2)))
}

func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int63n(int64(hi-lo)))
}

func chance(p float64) bool { return rand.Float64() < p }
