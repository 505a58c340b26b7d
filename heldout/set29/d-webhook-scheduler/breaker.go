package main

import (
	"sync"
	"time"
)

type breakerState int

const (
	stateClosed breakerState = iota
	stateOpen
	stateHalfOpen
)

// breaker trips when at least minFailures of the last window results were
// failures; after cooldown it admits one probe, and closes again on success.
type breaker struct {
	mu          sync.Mutex
	state       breakerState
	window      [16]bool // ring of recent results, true = failure
	n, next     int
	minFailures int
	cooldown    time.Duration
	openedAt    time.Time
	probing     bool
	trips       int
}

func newBreaker(minFailures int, cooldown time.Duration) *breaker {
	return &breaker{minFailures: minFailures, cooldown: cooldown}
}

func (b *breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateClosed:
		return true
	case stateOpen:
		if time.Since(b.openedAt) < b.cooldown {
			return false
		}
		b.state = stateHalfOpen
		b.probing = false
	}
	if b.probing {
		return false
	}
	b.probing = true
	return true
}

func (b *breaker) Record(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == stateHalfOpen {
		b.probing = false
		if ok {
			b.state = stateClosed
			b.n, b.next = 0, 0
		} else {
			b.state = stateOpen
			b.openedAt = time.Now()
		}
		return
	}
	b.window[b.next] = !ok
	b.next = (b.next + 1) % len(b.window)
	if b.n < len(b.window) {
		b.n++
	}
	fails := 0
	for i := 0; i < b.n; i++ {
		if b.window[i] {
			fails++
		}
	}
	if b.state == stateClosed && fails >= b.minFailures && fails*3 >= b.n {
		b.state = stateOpen
		b.openedAt = time.Now()
		b.trips++
	}
}

func (b *breaker) State() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
