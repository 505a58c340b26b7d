package main

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// retryPolicy computes delayed retries for upstream calls that were shed
// (503) or failed at the transport level.
type retryPolicy struct {
	base     time.Duration
	max      time.Duration
	attempts int
}

// schedule arms the timer for the given retry attempt, honouring the
// upstream's Retry-After hint if it gave one.
func (p retryPolicy) schedule(attempt int, hint time.Duration) *time.Timer {
	d := p.base << uint(attempt)
	if d > p.max {
		d = p.max
	}
	if hint > d {
		d = hint
	}
	d += time.Duration(randInt63n(int64(d / 4)))
	return time.NewTimer(d)
}

// awaitTimer waits for a timer armed by schedule, giving up with the
// caller's context.
func awaitTimer(ctx context.Context, t *time.Timer) error {
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

func retryAfterHint(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	s := resp.Header.Get("Retry-After")
	if s == "" {
		return 0
	}
	if ms, err := strconv.Atoi(resp.Header.Get("Retry-After-Ms")); err == nil {
		return time.Duration(ms) * time.Millisecond
	}
	if secs, err := strconv.Atoi(s); err == nil {
		return time.Duration(secs) * time.Second
	}
	return 0
}
