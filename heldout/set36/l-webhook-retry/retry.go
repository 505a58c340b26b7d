package main

import (
	"math/rand"
	"sync"
	"time"
)

// after returns a channel that is closed once d has elapsed (at once when
// d <= 0).
func after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	if d <= 0 {
		close(ch)
		return ch
	}
	time.AfterFunc(d, func() { close(ch) })
	return ch
}

// backoffPolicy computes redelivery delays: exponential with a cap and
// +-20% jitter.
type backoffPolicy struct {
	Base   time.Duration
	Factor float64
	Max    time.Duration
}

func (p backoffPolicy) Delay(attempt int) time.Duration {
	d := float64(p.Base)
	for i := 1; i < attempt; i++ {
		d *= p.Factor
		if d >= float64(p.Max) {
			d = float64(p.Max)
			break
		}
	}
	return time.Duration(d * (0.8 + 0.4*rand.Float64()))
}

// retryTimer is one pending redelivery. Endpoints keep track of their
// pending retries so they can hold them back while the endpoint's circuit
// is open.
type retryTimer struct {
	mu      sync.Mutex
	t       *time.Timer
	due     time.Time
	attempt int
}

func newRetryTimer(d time.Duration, attempt int) *retryTimer {
	return &retryTimer{t: time.NewTimer(d), due: time.Now().Add(d), attempt: attempt}
}

// C is the channel the redelivery waits on.
func (r *retryTimer) C() <-chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.t.C
}

func (r *retryTimer) Due() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.due
}

// Postpone pushes the retry back so it does not come due before
// notBefore. It reports whether the retry was moved.
func (r *retryTimer) Postpone(notBefore time.Time, spread time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.due.Before(notBefore) {
		return false
	}
	if !r.t.Stop() {
		return false // already fired, the delivery is on its way
	}
	r.due = notBefore.Add(time.Duration(rand.Int63n(int64(spread) + 1)))
	r.t = time.NewTimer(time.Until(r.due))
	return true
}

func (r *retryTimer) Stop() {
	r.mu.Lock()
	r.t.Stop()
	r.mu.Unlock()
}

// pendingRetries is the set of an endpoint's scheduled redeliveries.
type pendingRetries struct {
	mu  sync.Mutex
	set map[*retryTimer]struct{}
}

func (p *pendingRetries) add(r *retryTimer) {
	p.mu.Lock()
	if p.set == nil {
		p.set = make(map[*retryTimer]struct{})
	}
	p.set[r] = struct{}{}
	p.mu.Unlock()
}

func (p *pendingRetries) remove(r *retryTimer) {
	p.mu.Lock()
	delete(p.set, r)
	p.mu.Unlock()
}

func (p *pendingRetries) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.set)
}

// holdUntil postpones every pending retry that would come due before t.
func (p *pendingRetries) holdUntil(t time.Time, spread time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	moved := 0
	for r := range p.set {
		if r.Postpone(t, spread) {
			moved++
		}
	}
	return moved
}
