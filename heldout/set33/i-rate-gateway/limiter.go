package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// throttledError is returned when a caller cannot be admitted before its
// deadline; RetryAfter is when the bucket expects to have room again.
type throttledError struct {
	RetryAfter time.Duration
}

func (e *throttledError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s", e.RetryAfter.Round(time.Millisecond))
}

// tokenBucket is a reservation-based token bucket: a caller takes a token
// now, possibly driving the balance negative, and then waits until the
// bucket would have refilled that token. A caller whose wait would run
// past its deadline is turned away without taking anything.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

func (b *tokenBucket) advanceLocked(now time.Time) {
	if now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
}

// reserve takes one token and reports how long the caller has to wait for
// it. If that is longer than maxWait nothing is taken.
func (b *tokenBucket) reserve(now time.Time, maxWait time.Duration) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advanceLocked(now)
	after := b.tokens - 1
	var wait time.Duration
	if after < 0 {
		wait = time.Duration(-after / b.rate * float64(time.Second))
	}
	if wait > maxWait {
		return wait, false
	}
	b.tokens = after
	return wait, true
}

// refund gives back a token whose holder gave up before using it.
func (b *tokenBucket) refund() {
	b.mu.Lock()
	b.advanceLocked(time.Now())
	b.tokens++
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.mu.Unlock()
}

// setPlan changes the refill rate and burst (plan upgrades and downgrades).
func (b *tokenBucket) setPlan(rate float64, burst int) {
	b.mu.Lock()
	b.advanceLocked(time.Now())
	b.rate = rate
	b.burst = float64(burst)
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.mu.Unlock()
}

func (b *tokenBucket) snapshot() (rate, tokens float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advanceLocked(time.Now())
	return b.rate, b.tokens
}

// Wait blocks until the caller's token is due, or fails at once with a
// throttledError if it would not be due before ctx's deadline.
func (b *tokenBucket) Wait(ctx context.Context) error {
	maxWait := 24 * time.Hour
	if dl, ok := ctx.Deadline(); ok {
		maxWait = time.Until(dl)
	}
	delay, ok := b.reserve(time.Now(), maxWait)
	if !ok {
		return &throttledError{RetryAfter: delay}
	}
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		b.refund()
		return ctx.Err()
	}
}

var errNoSlot = errors.New("no export slot before deadline")

// slotPool bounds how many exports of one tenant run upstream at once.
type slotPool struct {
	slots chan struct{}
}

func newSlotPool(n int) *slotPool { return &slotPool{slots: make(chan struct{}, n)} }

func (p *slotPool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errNoSlot
	}
}

func (p *slotPool) release() { <-p.slots }

func (p *slotPool) inUse() int { return len(p.slots) }
