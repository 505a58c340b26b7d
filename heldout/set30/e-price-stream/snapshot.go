package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// snapshotStore serves the initial book a subscriber gets. Recently built
// snapshots are cached; a miss rebuilds from the history service, which is
// usually quick but occasionally has to page in cold data.
type snapshotStore struct {
	h *hub

	mu    sync.Mutex
	cache map[string]time.Time
}

func newSnapshotStore(h *hub) *snapshotStore {
	return &snapshotStore{h: h, cache: make(map[string]time.Time)}
}

func (s *snapshotStore) Snapshot(ctx context.Context, topics []string) ([]tick, error) {
	s.mu.Lock()
	miss := false
	for _, t := range topics {
		if _, ok := s.cache[t]; !ok {
			miss = true
		}
	}
	s.mu.Unlock()

	d := time.Duration(1+rand.Intn(12)) * time.Millisecond
	if miss {
		d += time.Duration(5+rand.Intn(20)) * time.Millisecond
		if rand.Intn(100) < 14 {
			// history service paging in cold partitions
			d = time.Duration(250+rand.Intn(350)) * time.Millisecond
		}
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	now := time.Now()
	s.mu.Lock()
	for _, t := range topics {
		s.cache[t] = now
	}
	s.mu.Unlock()
	return s.h.lastTicks(topics), nil
}

// expireLoop drops cached snapshots older than a second.
func (s *snapshotStore) expireLoop(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tk.C:
			s.mu.Lock()
			for k, at := range s.cache {
				if now.Sub(at) > time.Second {
					delete(s.cache, k)
				}
			}
			s.mu.Unlock()
		}
	}
}
