package main

import (
	"sync"
	"time"
)

// hold is a price a carrier keeps for a customer for a limited time.
type hold struct {
	quote   string
	carrier string
	premium float64
	placed  time.Time

	expiry   *time.Timer
	bound    chan struct{}
	bindOnce sync.Once
	outcome  string
}

func newHold(quote, carrier string, premium float64, ttl time.Duration) *hold {
	return &hold{
		quote:   quote,
		carrier: carrier,
		premium: premium,
		placed:  time.Now(),
		expiry:  time.NewTimer(ttl),
		bound:   make(chan struct{}),
	}
}

func (h *hold) bind() { h.bindOnce.Do(func() { close(h.bound) }) }

// holdBook keeps the open holds.
type holdBook struct {
	mu                    sync.Mutex
	open                  map[*hold]struct{}
	placed, bound, lapsed int
}

func newHoldBook() *holdBook { return &holdBook{open: make(map[*hold]struct{})} }

// place opens a hold. Some customers come back and bind before it lapses.
func (b *holdBook) place(quote, carrier string, premium float64, ttl time.Duration) *hold {
	h := newHold(quote, carrier, premium, ttl)
	b.mu.Lock()
	b.open[h] = struct{}{}
	b.placed++
	b.mu.Unlock()
	if roll(55) {
		time.AfterFunc(spread(10*time.Second, ttl+30*time.Second), h.bind)
	}
	return h
}

func (b *holdBook) settle(h *hold, outcome string) {
	h.expiry.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.open[h]; !ok {
		return
	}
	delete(b.open, h)
	h.outcome = outcome
	if outcome == "bound" {
		b.bound++
	} else {
		b.lapsed++
	}
}

func (b *holdBook) stats() (open, placed, bound, lapsed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.open), b.placed, b.bound, b.lapsed
}
