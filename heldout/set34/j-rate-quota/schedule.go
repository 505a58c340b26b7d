package main

import (
	"context"
	"sort"
	"sync"
	"time"
)

// resetEntry is one pool with a windowed quota.
type resetEntry struct {
	pool  *quotaPool
	every time.Duration
	next  time.Time
}

// resetScheduler resets windowed pools at the end of every window. It
// keeps a single timer armed for the earliest due window; adding or
// removing a pool re-arms it.
type resetScheduler struct {
	mu      sync.Mutex
	entries map[string]*resetEntry
	changed chan struct{}
	fired   int64
}

func newResetScheduler() *resetScheduler {
	return &resetScheduler{
		entries: make(map[string]*resetEntry),
		changed: make(chan struct{}, 1),
	}
}

// add schedules p's first reset one window (offset by phase) from now.
func (s *resetScheduler) add(p *quotaPool, phase time.Duration) {
	if p.cfg.resetEvery <= 0 {
		return
	}
	s.mu.Lock()
	s.entries[p.key] = &resetEntry{pool: p, every: p.cfg.resetEvery, next: time.Now().Add(p.cfg.resetEvery + phase)}
	s.mu.Unlock()
	s.poke()
}

func (s *resetScheduler) remove(key string) {
	s.mu.Lock()
	delete(s.entries, key)
	s.mu.Unlock()
	s.poke()
}

func (s *resetScheduler) poke() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// arm returns a timer for the earliest due reset (an idle hour when
// there is nothing scheduled).
func (s *resetScheduler) arm() *time.Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := time.Hour
	now := time.Now()
	for _, e := range s.entries {
		if d := e.next.Sub(now); d < wait {
			wait = d
		}
	}
	if wait < 0 {
		wait = 0
	}
	return time.NewTimer(wait)
}

// due collects the pools whose window has ended and schedules their next
// window.
func (s *resetScheduler) due(now time.Time) []*quotaPool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*quotaPool
	for _, e := range s.entries {
		if !e.next.After(now) {
			out = append(out, e.pool)
			for !e.next.After(now) {
				e.next = e.next.Add(e.every)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	s.fired += int64(len(out))
	return out
}

func (s *resetScheduler) run(ctx context.Context) {
	for {
		t := s.arm()
		select {
		case now := <-t.C:
			for _, p := range s.due(now) {
				p.Reset()
			}
		case <-s.changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

func (s *resetScheduler) firedCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fired
}
