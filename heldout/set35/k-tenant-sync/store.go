package main

import (
	"context"
	"sync"
	"time"
)

// configStore is the local copy of every tenant's configuration. Applying
// a plan writes each change under the store lock (the on-disk format is
// rewritten in place, so writers go one at a time).
type configStore struct {
	mu      sync.Mutex
	tenants map[string]map[string]int // tenant -> shard -> version
	writes  int
}

func newConfigStore() *configStore {
	return &configStore{tenants: make(map[string]map[string]int)}
}

func (s *configStore) apply(ctx context.Context, tenant string, plans []shardPlan) error {
	for _, p := range plans {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		m := s.tenants[tenant]
		if m == nil {
			m = make(map[string]int)
			s.tenants[tenant] = m
		}
		m[p.shard] = p.version
		s.writes += p.changes
		// Writing the changes out takes a moment.
		time.Sleep(time.Duration(2+p.changes) * time.Millisecond)
		s.mu.Unlock()
	}
	return nil
}

func (s *configStore) versions(tenant string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.tenants[tenant]))
	for k, v := range s.tenants[tenant] {
		out[k] = v
	}
	return out
}

func (s *configStore) forget(tenant string) {
	s.mu.Lock()
	delete(s.tenants, tenant)
	s.mu.Unlock()
}
