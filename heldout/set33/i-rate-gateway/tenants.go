package main

import (
	"context"
	"sort"
	"sync"
	"time"
)

type planTier string

const (
	tierStarter    planTier = "starter"
	tierPro        planTier = "pro"
	tierEnterprise planTier = "enterprise"
)

type planLimits struct {
	queryRate   float64 // queries per second
	queryBurst  int
	exportEvery time.Duration // one export per interval
	exportSlots int
}

var plans = map[planTier]planLimits{
	tierStarter:    {queryRate: 8, queryBurst: 8, exportEvery: 45 * time.Second, exportSlots: 1},
	tierPro:        {queryRate: 20, queryBurst: 25, exportEvery: 30 * time.Second, exportSlots: 2},
	tierEnterprise: {queryRate: 40, queryBurst: 60, exportEvery: 20 * time.Second, exportSlots: 2},
}

// tenant holds a tenant's limiters and a versioned view of its plan that
// dashboards can long-poll.
type tenant struct {
	id      string
	queries *tokenBucket
	exports *tokenBucket
	slots   *slotPool

	mu      sync.Mutex
	tier    planTier
	version int
	changed chan struct{} // closed and replaced on every plan change
}

func newTenant(id string, tier planTier) *tenant {
	p := plans[tier]
	return &tenant{
		id:      id,
		queries: newTokenBucket(p.queryRate, p.queryBurst),
		exports: newTokenBucket(1/p.exportEvery.Seconds(), 1),
		slots:   newSlotPool(p.exportSlots),
		tier:    tier,
		version: 1,
		changed: make(chan struct{}),
	}
}

func (t *tenant) setTier(tier planTier) {
	p := plans[tier]
	t.queries.setPlan(p.queryRate, p.queryBurst)
	t.exports.setPlan(1/p.exportEvery.Seconds(), 1)
	t.mu.Lock()
	t.tier = tier
	t.version++
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

type quotaView struct {
	Tenant      string  `json:"tenant"`
	Tier        string  `json:"tier"`
	Version     int     `json:"version"`
	QueryRate   float64 `json:"query_rate"`
	QueryTokens float64 `json:"query_tokens"`
	ExportsBusy int     `json:"exports_busy"`
}

func (t *tenant) view() quotaView {
	t.mu.Lock()
	v := quotaView{Tenant: t.id, Tier: string(t.tier), Version: t.version}
	t.mu.Unlock()
	v.QueryRate, v.QueryTokens = t.queries.snapshot()
	v.ExportsBusy = t.slots.inUse()
	return v
}

// awaitChange waits until the tenant's plan version moves past since, or
// until the poll times out or the caller goes away. It reports whether
// something changed.
func (t *tenant) awaitChange(ctx context.Context, since int, timeout time.Duration) bool {
	t.mu.Lock()
	if t.version != since {
		t.mu.Unlock()
		return true
	}
	ch := t.changed
	t.mu.Unlock()

	select {
	case <-ch:
		return true
	case <-time.After(timeout):
		return false
	case <-ctx.Done():
		return false
	}
}

type registry struct {
	mu      sync.RWMutex
	tenants map[string]*tenant
}

func newRegistry() *registry { return &registry{tenants: make(map[string]*tenant)} }

func (r *registry) signup(id string, tier planTier) *tenant {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tenants[id]; ok {
		return t
	}
	t := newTenant(id, tier)
	r.tenants[id] = t
	return t
}

func (r *registry) lookup(id string) (*tenant, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.tenants[id]
	return t, ok
}

func (r *registry) ids() []string {
	r.mu.RLock()
	out := make([]string, 0, len(r.tenants))
	for id := range r.tenants {
		out = append(out, id)
	}
	r.mu.RUnlock()
	sort.Strings(out)
	return out
}
