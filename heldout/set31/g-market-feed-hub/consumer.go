package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// batchConsumer stands in for a downstream system that wakes up every few
// seconds and applies whatever has arrived since.
type batchConsumer struct {
	sub      *Subscription
	kind     string
	every    time.Duration
	lifetime time.Duration // 0: stays until the end
	maxBatch int

	last    map[string]float64
	applied int
	batches int
}

func (c *batchConsumer) run() {
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	var expire <-chan time.Time
	if c.lifetime > 0 {
		tm := time.NewTimer(c.lifetime)
		defer tm.Stop()
		expire = tm.C
	}
	for {
		select {
		case <-tick.C:
			if !c.drainBatch() {
				return
			}
		case <-expire:
			c.sub.Close()
			// Keep receiving until the forwarder notices and closes C.
			for range c.sub.C {
			}
			return
		}
	}
}

// drainBatch applies up to maxBatch events, waiting at most a short window.
// It returns false once the subscription is closed.
func (c *batchConsumer) drainBatch() bool {
	window := time.NewTimer(25 * time.Millisecond)
	defer window.Stop()
	for n := 0; n < c.maxBatch; n++ {
		select {
		case ev, ok := <-c.sub.C:
			if !ok {
				return false
			}
			c.apply(ev)
		case <-window.C:
			c.batches++
			return true
		}
	}
	c.batches++
	return true
}

func (c *batchConsumer) apply(ev Event) {
	prev, ok := c.last[ev.Symbol]
	c.last[ev.Symbol] = ev.Price
	if ok && c.kind == "risk" {
		// pretend to re-price a book
		move := (ev.Price - prev) / prev
		for i := 0; i < 200; i++ {
			move = move*0.999 + 1e-9
		}
		_ = move
	}
	c.applied++
}

// roster keeps the set of consumers; it grows over the run and some
// members leave after a while.
type roster struct {
	ctx    context.Context
	broker *Broker
	topics []string
	rnd    *rand.Rand
	start  time.Time

	mu     sync.Mutex
	active map[string]*batchConsumer
	nextID int
	joined int
	left   int
}

func newRoster(ctx context.Context, b *Broker, topics []string) *roster {
	return &roster{
		ctx:    ctx,
		broker: b,
		topics: topics,
		rnd:    rand.New(rand.NewSource(time.Now().UnixNano())),
		start:  time.Now(),
		active: make(map[string]*batchConsumer),
	}
}

func (r *roster) target() int {
	n := 6 + int(time.Since(r.start).Seconds()/3)
	if n > 70 {
		n = 70
	}
	return n
}

func (r *roster) run() {
	t := time.NewTicker(1500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		want := r.target()
		r.mu.Lock()
		have := len(r.active)
		r.mu.Unlock()
		for i := 0; have+i < want && i < 3; i++ {
			r.join()
		}
	}
}

var consumerKinds = []string{"risk", "ui-snapshot", "audit", "pnl"}

func (r *roster) join() {
	r.mu.Lock()
	r.nextID++
	kind := consumerKinds[r.rnd.Intn(len(consumerKinds))]
	id := fmt.Sprintf("%s-%03d", kind, r.nextID)
	topic := r.topics[r.rnd.Intn(len(r.topics))]
	every := 2*time.Second + time.Duration(r.rnd.Intn(3000))*time.Millisecond
	var lifetime time.Duration
	if r.rnd.Intn(10) < 4 {
		lifetime = 15*time.Second + time.Duration(r.rnd.Intn(30))*time.Second
	}
	maxBatch := 64 + r.rnd.Intn(192)
	r.mu.Unlock()

	sub := r.broker.Subscribe(r.ctx, id, topic)
	c := &batchConsumer{
		sub:      sub,
		kind:     kind,
		every:    every,
		lifetime: lifetime,
		maxBatch: maxBatch,
		last:     make(map[string]float64),
	}

	r.mu.Lock()
	r.active[id] = c
	r.joined++
	r.mu.Unlock()

	go func() {
		c.run()
		r.mu.Lock()
		delete(r.active, id)
		r.left++
		r.mu.Unlock()
	}()
}

func (r *roster) counts() (joined, left, active int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.joined, r.left, len(r.active)
}
