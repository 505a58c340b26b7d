package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// head is the in-memory head block: the latest sample of every series,
// plus a staleness marker for targets that went away. Appends take the
// write lock; compaction holds it for a while every cut; rule evaluation
// scans under the read lock.
type head struct {
	mu       sync.RWMutex
	series   map[string]float64
	byTarget map[string]int
	stale    map[string]time.Time

	appended  atomic.Int64
	compacted atomic.Int64
}

func newHead() *head {
	return &head{series: make(map[string]float64), byTarget: make(map[string]int), stale: make(map[string]time.Time)}
}

func (h *head) append(target string, lines []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range lines {
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		h.series[l[:i]] = float64(len(l))
	}
	h.byTarget[target] = len(lines)
	delete(h.stale, target)
	h.appended.Add(int64(len(lines)))
}

func (h *head) markStale(target string) {
	h.mu.Lock()
	h.stale[target] = time.Now()
	delete(h.byTarget, target)
	h.mu.Unlock()
}

// scan counts the series matching prefix; it is what a rule's query costs.
func (h *head) scan(prefix string, cost time.Duration) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for k := range h.series {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	time.Sleep(cost)
	return n
}

// compactor cuts the head every period, holding the write lock while it
// writes the block out and garbage-collects stale series.
func (h *head) compactor(ctx context.Context, period time.Duration) {
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		h.mu.Lock()
		time.Sleep(jitter(80*time.Millisecond, 250*time.Millisecond))
		for t, at := range h.stale {
			if time.Since(at) > 5*time.Minute {
				delete(h.stale, t)
			}
		}
		h.mu.Unlock()
		h.compacted.Add(1)
	}
}
