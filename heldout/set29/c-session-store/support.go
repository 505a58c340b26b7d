package main

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// auditLog batches audit events and writes them out periodically.
type auditLog struct {
	events  chan string
	every   time.Duration
	w       *bufio.Writer
	written int64
	dropped int64
}

func newAuditLog(buf int, every time.Duration) *auditLog {
	return &auditLog{
		events: make(chan string, buf),
		every:  every,
		w:      bufio.NewWriterSize(io.Discard, 64<<10),
	}
}

func (a *auditLog) Record(kind, user, sid, note string) {
	line := fmt.Sprintf("%s %s user=%s sid=%s %s\n", time.Now().Format(time.RFC3339Nano), kind, user, sid[:8], note)
	select {
	case a.events <- line:
	default:
		atomic.AddInt64(&a.dropped, 1)
	}
}

func (a *auditLog) Written() int64 { return atomic.LoadInt64(&a.written) }

func (a *auditLog) run() {
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select {
		case line := <-a.events:
			a.w.WriteString(line)
			atomic.AddInt64(&a.written, 1)
		case <-t.C:
			a.w.Flush()
		}
	}
}

// nonceCache holds one-time CSRF tokens with per-entry expiry.
type nonceCache struct {
	ttl time.Duration

	mu      sync.Mutex
	entries map[string]time.Time
}

func newNonceCache(ttl time.Duration) *nonceCache {
	return &nonceCache{ttl: ttl, entries: make(map[string]time.Time)}
}

func (c *nonceCache) Issue() string {
	n := newSessionID()[:16]
	c.mu.Lock()
	c.entries[n] = time.Now().Add(c.ttl)
	c.mu.Unlock()
	return n
}

// Consume reports whether n was issued, unexpired, and not used before.
func (c *nonceCache) Consume(n string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.entries[n]
	if !ok {
		return false
	}
	delete(c.entries, n)
	return time.Now().Before(exp)
}

func (c *nonceCache) janitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		c.mu.Lock()
		for n, exp := range c.entries {
			if now.After(exp) {
				delete(c.entries, n)
			}
		}
		c.mu.Unlock()
	}
}

// rateLimiter is a token bucket per client address.
type rateLimiter struct {
	rate  float64
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate, burst float64) *rateLimiter {
	return &rateLimiter{rate: rate, burst: burst, buckets: make(map[string]*bucket)}
}

func (rl *rateLimiter) Allow(client string) bool {
	now := time.Now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b, ok := rl.buckets[client]
	if !ok {
		b = &bucket{tokens: rl.burst, last: now}
		rl.buckets[client] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * rl.rate
	if b.tokens > rl.burst {
		b.tokens = rl.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (rl *rateLimiter) Len() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return len(rl.buckets)
}

func (rl *rateLimiter) cleanup(every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		rl.mu.Lock()
		for k, b := range rl.buckets {
			if now.Sub(b.last) > idle {
				delete(rl.buckets, k)
			}
		}
		rl.mu.Unlock()
	}
}
