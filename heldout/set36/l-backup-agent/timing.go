package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// deadline is a one-shot expiry that can be shared by several waiters: Done
// is closed once the duration has elapsed. Stop releases the underlying
// timer when nobody is going to wait any more.
type deadline struct {
	at   time.Time
	t    *time.Timer
	done chan struct{}
	once sync.Once
}

func newDeadline(d time.Duration) *deadline {
	dl := &deadline{at: time.Now().Add(d), done: make(chan struct{})}
	dl.t = time.AfterFunc(d, dl.expire)
	return dl
}

func (d *deadline) expire()                  { d.once.Do(func() { close(d.done) }) }
func (d *deadline) Done() <-chan struct{}    { return d.done }
func (d *deadline) Remaining() time.Duration { return time.Until(d.at) }

// Stop releases the timer. A waiter that is still selecting on Done must
// have another way out (its context); Stop is only called by the owner
// once it has stopped waiting.
func (d *deadline) Stop() { d.t.Stop() }

// sleepCtx waits for d or for ctx, whichever comes first, and reports
// whether the full duration elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	dl := newDeadline(d)
	defer dl.Stop()
	select {
	case <-dl.Done():
		return true
	case <-ctx.Done():
		return false
	}
}

// schedule fires a tenant's backups: the first one after an initial
// offset, then every period plus up to jitter. The timer lives in the
// struct and is re-armed by Advance after each fire.
type schedule struct {
	period time.Duration
	jitter time.Duration
	timer  *time.Timer
	next   time.Time
}

func newSchedule(first, period, jitter time.Duration) *schedule {
	return &schedule{
		period: period,
		jitter: jitter,
		timer:  time.NewTimer(first),
		next:   time.Now().Add(first),
	}
}

func (s *schedule) C() <-chan time.Time { return s.timer.C }

// Advance re-arms the timer; call it only after a value was received from C.
func (s *schedule) Advance() {
	d := s.period
	if s.jitter > 0 {
		d += time.Duration(rand.Int63n(int64(s.jitter)))
	}
	s.next = time.Now().Add(d)
	s.timer.Reset(d)
}

func (s *schedule) Stop() { s.timer.Stop() }

// backoff is an exponential retry delay with full jitter.
type backoff struct {
	base    time.Duration
	max     time.Duration
	attempt int
}

func (b *backoff) next() time.Duration {
	d := b.base << uint(b.attempt)
	if d > b.max || d <= 0 {
		d = b.max
	}
	b.attempt++
	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))
}

func (b *backoff) Reset() { b.attempt = 0 }

// Wait sleeps for the next backoff step or until ctx is done.
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

// ioThrottle spaces out block reads of one tenant so a backup does not
// saturate the tenant's disks: each Wait reserves the next slot and sleeps
// until it. Volumes of the same tenant share one throttle.
type ioThrottle struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newIOThrottle(interval time.Duration) *ioThrottle {
	return &ioThrottle{interval: interval}
}

func (t *ioThrottle) Wait(ctx context.Context) error {
	t.mu.Lock()
	now := time.Now()
	if t.next.Before(now) {
		t.next = now
	}
	slot := t.next
	t.next = t.next.Add(t.interval)
	t.mu.Unlock()

	wait := time.Until(slot)
	if wait <= 0 {
		return ctx.Err()
	}
	if !sleepCtx(ctx, wait) {
		return ctx.Err()
	}
	return nil
}

func randDur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int63n(int64(hi-lo)))
}
