package main

import (
	"log"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// circuit is a per-endpoint breaker: after threshold consecutive failures
// the endpoint is left alone for the cooldown.
type circuit struct {
	mu          sync.Mutex
	threshold   int
	cooldown    time.Duration
	consecutive int
	openUntil   time.Time
	trips       int64
	onTrip      func(until time.Time)
}

// Ready returns a channel that is closed when the endpoint may be called.
func (c *circuit) Ready() <-chan struct{} {
	c.mu.Lock()
	wait := time.Until(c.openUntil)
	c.mu.Unlock()
	return after(wait)
}

func (c *circuit) Success() {
	c.mu.Lock()
	c.consecutive = 0
	c.mu.Unlock()
}

func (c *circuit) Failure() {
	c.mu.Lock()
	c.consecutive++
	now := time.Now()
	if c.consecutive < c.threshold || now.Before(c.openUntil) {
		c.mu.Unlock()
		return
	}
	c.consecutive = 0
	c.openUntil = now.Add(c.cooldown)
	c.trips++
	until, trip := c.openUntil, c.onTrip
	c.mu.Unlock()
	if trip != nil {
		trip(until)
	}
}

// endpoint is a customer's webhook URL.
type endpoint struct {
	id      string
	url     string
	topics  []string
	circuit *circuit
	pending pendingRetries

	delivered, failed int64
}

func newEndpoint(id, url string, topics []string) *endpoint {
	ep := &endpoint{id: id, url: url, topics: topics}
	ep.circuit = &circuit{threshold: 6, cooldown: 10 * time.Second, onTrip: ep.tripped}
	return ep
}

// tripped holds back the retries that would hammer the endpoint while its
// circuit is open, spreading them over a few seconds after it closes.
func (ep *endpoint) tripped(until time.Time) {
	moved := ep.pending.holdUntil(until, 3*time.Second)
	log.Printf("circuit open for %s until %s, %d retries held back",
		ep.id, until.Format("15:04:05"), moved)
}

// registry holds the endpoints and which topics they subscribe to.
type registry struct {
	mu        sync.RWMutex
	endpoints map[string]*endpoint
	byTopic   map[string][]*endpoint
}

func newRegistry() *registry {
	return &registry{endpoints: make(map[string]*endpoint), byTopic: make(map[string][]*endpoint)}
}

func (r *registry) add(ep *endpoint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endpoints[ep.id] = ep
	for _, t := range ep.topics {
		r.byTopic[t] = append(r.byTopic[t], ep)
	}
}

func (r *registry) subscribers(topic string) []*endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*endpoint(nil), r.byTopic[topic]...)
}

func (r *registry) snapshot() []*endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*endpoint, 0, len(r.endpoints))
	for _, ep := range r.endpoints {
		out = append(out, ep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (ep *endpoint) stats() (delivered, failed int64, pending int) {
	return atomic.LoadInt64(&ep.delivered), atomic.LoadInt64(&ep.failed), ep.pending.len()
}
