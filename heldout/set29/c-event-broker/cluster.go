package main

import (
	"math/rand"
	"sync"
	"time"
)

// Membership: the broker node tracks its peers through heartbeats. Each
// peer link is a goroutine that forwards heartbeats; the detector marks a
// peer suspect when it has not been heard from in a while.

type heartbeat struct {
	peer string
	at   time.Time
	gen  int
}

type detector struct {
	beats   chan heartbeat
	timeout time.Duration

	mu      sync.Mutex
	lastAt  map[string]time.Time
	suspect map[string]bool
	flips   int
}

func newDetector(timeout time.Duration) *detector {
	return &detector{
		beats:   make(chan heartbeat, 16),
		timeout: timeout,
		lastAt:  make(map[string]time.Time),
		suspect: make(map[string]bool),
	}
}

func (d *detector) run() {
	check := time.NewTicker(d.timeout / 3)
	defer check.Stop()
	for {
		select {
		case hb := <-d.beats:
			d.mu.Lock()
			d.lastAt[hb.peer] = hb.at
			if d.suspect[hb.peer] {
				d.suspect[hb.peer] = false
				d.flips++
			}
			d.mu.Unlock()
		case now := <-check.C:
			d.mu.Lock()
			for p, at := range d.lastAt {
				if now.Sub(at) > d.timeout && !d.suspect[p] {
					d.suspect[p] = true
					d.flips++
				}
			}
			d.mu.Unlock()
		}
	}
}

func (d *detector) Alive() (alive, suspect int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p := range d.lastAt {
		if d.suspect[p] {
			suspect++
		} else {
			alive++
		}
	}
	return
}

// peerLink simulates the connection to one peer: a heartbeat every
// interval, with the occasional long pause (GC, network blip).
func peerLink(name string, every time.Duration, out chan<- heartbeat) {
	gen := 0
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		if rand.Intn(200) == 0 {
			time.Sleep(time.Duration(2+rand.Intn(4)) * time.Second)
		}
		gen++
		out <- heartbeat{peer: name, at: now, gen: gen}
	}
}
