package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

var rngMu sync.Mutex
var rng = rand.New(rand.NewSource(time.Now().UnixNano()))

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randBetween(lo, hi time.Duration) time.Duration {
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)+1))
}

// after returns a channel that receives once d has passed.
func after(d time.Duration) <-chan time.Time {
	return time.NewTimer(d).C
}

// deadline is the one-shot timer that bounds a single long poll.
type deadline struct {
	at    time.Time
	timer *time.Timer
}

func newDeadline(d time.Duration) *deadline {
	return &deadline{at: time.Now().Add(d), timer: time.NewTimer(d)}
}

// Done fires when the poll has waited long enough.
func (d *deadline) Done() <-chan time.Time { return d.timer.C }

func (d *deadline) Remaining() time.Duration { return time.Until(d.at) }

func (d *deadline) Stop() { d.timer.Stop() }

// backoff spaces out retries after failed polls: exponential with full
// jitter, or exactly what the server asked for with Retry-After.
type backoff struct {
	base, max time.Duration
	attempt   int
	timer     *time.Timer
}

func newBackoff(base, max time.Duration) *backoff {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &backoff{base: base, max: max, timer: t}
}

func (b *backoff) next() time.Duration {
	d := b.base << uint(b.attempt)
	if d > b.max || d <= 0 {
		d = b.max
	}
	b.attempt++
	return randBetween(d/2, d)
}

// Wait sleeps for the next backoff step or until ctx ends.
func (b *backoff) Wait(ctx context.Context) error { return b.WaitFor(ctx, b.next()) }

// WaitFor sleeps for d or until ctx ends.
func (b *backoff) WaitFor(ctx context.Context, d time.Duration) error {
	b.timer.Reset(d)
	select {
	case <-b.timer.C:
		return nil
	case <-ctx.Done():
		if !b.timer.Stop() {
			<-b.timer.C
		}
		return ctx.Err()
	}
}

func (b *backoff) Reset() { b.attempt = 0 }

// lease is the client's copy of a session lease granted by the gateway.
type lease struct {
	id        string
	granted   time.Time
	expiresAt time.Time
}

func newLease(id string, ttl time.Duration) *lease {
	now := time.Now()
	return &lease{id: id, granted: now, expiresAt: now.Add(ttl)}
}

// Bind returns a context that ends when the lease runs out.
func (l *lease) Bind(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, l.expiresAt)
}

func (l *lease) TTL() time.Duration { return l.expiresAt.Sub(l.granted) }
