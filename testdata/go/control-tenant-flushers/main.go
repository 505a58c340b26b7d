// control-tenant-flushers (leak-free): an ingest service keeps one flusher
// goroutine per tenant, started by the tenant's first request; each request
// runs in a goroutine of its own and is done before the snapshot. Tenants
// come from a bounded set of 64 with a skewed (Zipf) share of the traffic,
// so most flushers start early and ever fewer later, while the requests go
// on at the same pace (120 per snapshot): the flushers' goroutine ids crowd
// at the start of the ids the process handed out. Every flusher stays (it
// waits on its ticker or the service's stop channel, and Close stops all of
// them): the set fills, it does not leak.
package main

import (
	"fmt"
	"math/rand"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type tenantState struct {
	name    string
	mu      sync.Mutex
	pending int
	flushed int
}

type Ingest struct {
	mu      sync.Mutex
	tenants map[string]*tenantState
	stop    chan struct{}
	wg      sync.WaitGroup
}

func NewIngest() *Ingest {
	return &Ingest{tenants: map[string]*tenantState{}, stop: make(chan struct{})}
}

// tenant returns the tenant's state, starting its flusher on first use.
func (in *Ingest) tenant(name string) *tenantState {
	in.mu.Lock()
	defer in.mu.Unlock()
	t, ok := in.tenants[name]
	if !ok {
		t = &tenantState{name: name}
		in.tenants[name] = t
		in.wg.Add(1)
		go in.flushLoop(t)
	}
	return t
}

func (in *Ingest) flushLoop(t *tenantState) {
	defer in.wg.Done()
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.mu.Lock()
			t.flushed += t.pending
			t.pending = 0
			t.mu.Unlock()
		case <-in.stop:
			return
		}
	}
}

// Handle is one request: it records a point for its tenant.
func (in *Ingest) Handle(name string, points int) {
	t := in.tenant(name)
	t.mu.Lock()
	t.pending += points
	t.mu.Unlock()
}

func (in *Ingest) Close() {
	close(in.stop)
	in.wg.Wait()
}

func main() {
	snap.Start()
	in := NewIngest()
	rng := rand.New(rand.NewSource(7))
	zipf := rand.NewZipf(rng, 1.1, 1, 63)
	var reqs sync.WaitGroup
	for k := 1; k <= 3; k++ {
		for i := 0; i < 120; i++ {
			name := fmt.Sprintf("tenant-%02d", zipf.Uint64())
			points := 1 + rng.Intn(20)
			reqs.Add(1)
			go func() {
				defer reqs.Done()
				in.Handle(name, points)
			}()
		}
		reqs.Wait()
		snap.Settle()
		snap.Goroutines(k)
		in.mu.Lock()
		fmt.Printf("phase %d: %d tenants\n", k, len(in.tenants))
		in.mu.Unlock()
	}
	in.Close()
	snap.Finish("control-tenant-flushers")
}
