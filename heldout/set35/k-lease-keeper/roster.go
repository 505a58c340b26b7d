package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"
)

// roster onboards tenants over the run: a few at start, then one every few
// seconds up to a cap. Trial tenants leave again after a while; the others
// stay for the whole run.
type roster struct {
	cl    *leaseClient
	store *leaseStore
	max   int

	mu     sync.Mutex
	active map[string]context.CancelFunc
	joined int
	wg     sync.WaitGroup
}

func newRoster(cl *leaseClient, store *leaseStore, max int) *roster {
	return &roster{cl: cl, store: store, max: max, active: make(map[string]context.CancelFunc)}
}

func (r *roster) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

func (r *roster) onboard(ctx context.Context) {
	r.mu.Lock()
	r.joined++
	n := r.joined
	name := fmt.Sprintf("t%03d", n)
	tctx, cancel := context.WithCancel(ctx)
	trial := n%3 == 0
	if trial {
		tctx, cancel = context.WithTimeout(ctx, jitter(25*time.Second, 30*time.Second))
	}
	r.active[name] = cancel
	r.mu.Unlock()

	t := newTenant(name, r.cl, 1+n%3, 2+n%2)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		t.Run(tctx)
		r.mu.Lock()
		delete(r.active, name)
		r.mu.Unlock()
	}()
}

func (r *roster) run(ctx context.Context) {
	defer r.wg.Wait()
	for i := 0; i < 3; i++ {
		r.onboard(ctx)
	}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for range t.C {
		if ctx.Err() != nil {
			return
		}
		if r.size() < r.max {
			r.onboard(ctx)
		}
	}
}

// configChurn bumps some tenant's config now and then so pollers see new
// epochs.
func (r *roster) configChurn(ctx context.Context) {
	for sleepCtx(ctx, jitter(time.Second, 2*time.Second)) == nil {
		r.mu.Lock()
		n := r.joined
		r.mu.Unlock()
		if n > 0 {
			r.store.bumpConfig(fmt.Sprintf("t%03d", 1+randIntn(n)))
		}
	}
}

func reportStats(ctx context.Context, store *leaseStore, r *roster, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("tenants=%d store=%v", r.size(), store.stats())
		}
	}
}
