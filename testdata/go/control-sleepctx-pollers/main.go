// control-sleepctx-pollers (leak-free): a metering service keeps one usage
// poller per tenant. A tenant's poller reads its usage once, then loops on
// sleepCtx, a small helper that waits on a timer or the context and
// reports which came first; the loop itself never reads ctx.Done(), it
// only tests the helper's result. The poll interval comes from the
// tenant's plan (15 s to a minute), longer than the run, so every poller
// sits in sleepCtx's select at the snapshots. Tenants sign up every phase
// (8, 9, 10) and a few leave (0, 1, 2): Remove cancels the leaving
// tenant's context and waits for its poller to return. Pollers live at
// the snapshots: 8, 16, 24; Close stops the rest.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

// sleepCtx waits for d or for ctx to end. It reports true if the full
// duration passed and false if the context ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type plan struct {
	name  string
	every time.Duration
	quota int64
}

var plans = []plan{
	{"free", time.Minute, 1 << 20},
	{"team", 30 * time.Second, 1 << 26},
	{"enterprise", 15 * time.Second, 1 << 32},
}

// usageStore stands in for the billing backend the pollers read.
type usageStore struct {
	mu    sync.Mutex
	bytes map[string]int64
}

func (s *usageStore) read(tenant string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bytes[tenant] += int64(len(tenant)) * 4096
	return s.bytes[tenant]
}

type tenantPoller struct {
	tenant string
	plan   plan
	store  *usageStore
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	used      int64
	overQuota bool
	polls     int
}

func (p *tenantPoller) poll() {
	used := p.store.read(p.tenant)
	p.mu.Lock()
	p.used = used
	p.overQuota = used > p.plan.quota
	p.polls++
	p.mu.Unlock()
}

func (p *tenantPoller) run(ctx context.Context) {
	defer close(p.done)
	p.poll()
	for {
		if !sleepCtx(ctx, p.plan.every) {
			return
		}
		p.poll()
	}
}

type Metering struct {
	store *usageStore

	mu      sync.Mutex
	pollers map[string]*tenantPoller
}

func NewMetering() *Metering {
	return &Metering{
		store:   &usageStore{bytes: map[string]int64{}},
		pollers: map[string]*tenantPoller{},
	}
}

// Add starts polling a tenant on the given plan.
func (m *Metering) Add(tenant string, pl plan) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &tenantPoller{tenant: tenant, plan: pl, store: m.store, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.pollers[tenant] = p
	m.mu.Unlock()
	go p.run(ctx)
}

// Remove stops a tenant's poller and waits for it to return.
func (m *Metering) Remove(tenant string) bool {
	m.mu.Lock()
	p, ok := m.pollers[tenant]
	delete(m.pollers, tenant)
	m.mu.Unlock()
	if !ok {
		return false
	}
	p.cancel()
	<-p.done
	return true
}

func (m *Metering) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pollers)
}

func (m *Metering) Close() {
	m.mu.Lock()
	all := m.pollers
	m.pollers = map[string]*tenantPoller{}
	m.mu.Unlock()
	for _, p := range all {
		p.cancel()
	}
	for _, p := range all {
		<-p.done
	}
}

func main() {
	snap.Start()
	m := NewMetering()
	next := 0
	for k := 1; k <= 3; k++ {
		// k-1 tenants leave (the oldest still signed up: tenant-001,
		// then tenant-002 and tenant-003); 7+k sign up.
		for i := 0; i < k-1; i++ {
			if !m.Remove(fmt.Sprintf("tenant-%03d", k+i-1)) {
				panic("no such tenant")
			}
		}
		for i := 0; i < 7+k; i++ {
			next++
			m.Add(fmt.Sprintf("tenant-%03d", next), plans[next%len(plans)])
		}
		time.Sleep(500 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d tenants polled\n", k, m.Len())
	}
	m.Close()
	snap.Finish("control-sleepctx-pollers")
}
