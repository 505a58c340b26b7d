package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// deadline is a one-shot deadline whose Done channel is closed once the
// duration has passed. The owner calls Stop when it no longer cares; Done is
// then never closed, so only the owner should wait on it.
type deadline struct {
	t    *time.Timer
	done chan struct{}
	once sync.Once
}

func newDeadline(d time.Duration) *deadline {
	dl := &deadline{done: make(chan struct{})}
	dl.t = time.AfterFunc(d, dl.expire)
	return dl
}

func (dl *deadline) expire()               { dl.once.Do(func() { close(dl.done) }) }
func (dl *deadline) Done() <-chan struct{} { return dl.done }
func (dl *deadline) Stop()                 { dl.t.Stop() }

// after is time.After with a name that reads better inside selects.
func after(d time.Duration) <-chan time.Time { return time.NewTimer(d).C }

// backoff is a capped exponential back-off with full jitter.
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
	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))
}

// Wait sleeps for the next back-off step or until ctx is done.
func (b *backoff) Wait(ctx context.Context) error {
	t := time.NewTimer(b.next())
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *backoff) Reset() { b.attempt = 0 }

// renewTimer paces lease keep-alives. It is re-armed by its single reader
// after every tick it has received.
type renewTimer struct {
	t     *time.Timer
	every time.Duration
}

func newRenewTimer(every time.Duration) *renewTimer {
	return &renewTimer{t: time.NewTimer(jitter(every, 0.15)), every: every}
}

func (r *renewTimer) C() <-chan time.Time { return r.t.C }
func (r *renewTimer) Rearm()              { r.t.Reset(jitter(r.every, 0.15)) }
func (r *renewTimer) Stop()               { r.t.Stop() }

// quarantine is the delayed retry a worker sits out after losing a lease:
// the shard may still be processed by a zombie, so it stays away for over a
// minute before competing again.
type quarantine struct {
	until time.Time
	t     *time.Timer
}

func newQuarantine(d time.Duration) *quarantine {
	return &quarantine{until: time.Now().Add(d), t: time.NewTimer(d)}
}

// Wait blocks until the quarantine is over or ctx is done.
func (q *quarantine) Wait(ctx context.Context) error {
	defer q.t.Stop()
	select {
	case <-q.t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func jitter(d time.Duration, frac float64) time.Duration {
	if d <= 0 {
		return 0
	}
	span := float64(d) * frac
	return d + time.Duration((rand.Float64()*2-1)*span)
}

func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int63n(int64(hi-lo)))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-after(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
