package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sort"
	"sync"
	"time"
)

// tenantRoster onboards tenants as they sign up (a steady trickle during
// the run) and offboards one now and then.
type tenantRoster struct {
	cp    *cpClient
	store *configStore
	stats *stats

	mu      sync.Mutex
	workers map[string]*tenantWorker
	cancels map[string]context.CancelFunc
	seq     int
}

func (r *tenantRoster) run(ctx context.Context, initial, max int, every time.Duration) {
	for i := 0; i < initial; i++ {
		r.onboard(ctx)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if ctx.Err() != nil {
			return
		}
		if r.size() < max {
			r.onboard(ctx)
		}
		if rand.Intn(9) == 0 && r.size() > 8 {
			r.offboardOne()
		}
	}
}

func (r *tenantRoster) onboard(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancels == nil {
		r.cancels = make(map[string]context.CancelFunc)
	}
	r.seq++
	name := fmt.Sprintf("tenant-%03d", r.seq)
	w := &tenantWorker{
		tenant:   name,
		cp:       r.cp,
		store:    r.store,
		stats:    r.stats,
		interval: time.Duration(4+rand.Intn(5)) * time.Second,
		timeout:  3 * time.Second,
		kick:     make(chan struct{}, 1),
	}
	wctx, cancel := context.WithCancel(ctx)
	r.workers[name] = w
	r.cancels[name] = cancel
	go w.run(wctx)
}

func (r *tenantRoster) offboardOne() {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.workers))
	for n := range r.workers {
		names = append(names, n)
	}
	sort.Strings(names)
	name := names[rand.Intn(len(names))]
	r.cancels[name]()
	delete(r.cancels, name)
	delete(r.workers, name)
	r.store.forget(name)
	log.Printf("roster: offboarded %s", name)
}

func (r *tenantRoster) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.workers)
}

func (r *tenantRoster) lookup(name string) *tenantWorker {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.workers[name]
}

func (r *tenantRoster) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.workers))
	for n := range r.workers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// kick asks the tenant's worker to sync soon; kicks coalesce.
func (w *tenantWorker) nudge() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}
