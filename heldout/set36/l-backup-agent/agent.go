package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Agent keeps the roster of enrolled tenants.
type Agent struct {
	ctx   context.Context
	store *storeClient

	mu     sync.Mutex
	roster map[string]*tenant

	chunksSent int64
	putRetries int64
	restores   int64
}

func newAgent(ctx context.Context, store *storeClient) *Agent {
	return &Agent{ctx: ctx, store: store, roster: make(map[string]*tenant)}
}

// Enroll starts backing up a tenant.
func (a *Agent) Enroll(name string, vols []volumeSpec, p backupPolicy) *tenant {
	ctx, cancel := context.WithCancel(a.ctx)
	t := &tenant{
		name:     name,
		agent:    a,
		store:    a.store,
		volumes:  vols,
		policy:   p,
		throttle: newIOThrottle(p.readEvery),
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	a.mu.Lock()
	a.roster[name] = t
	a.mu.Unlock()
	go t.run(ctx)
	return t
}

// Offboard stops a tenant and waits until its goroutines are gone.
func (a *Agent) Offboard(name string) bool {
	a.mu.Lock()
	t, ok := a.roster[name]
	delete(a.roster, name)
	a.mu.Unlock()
	if !ok {
		return false
	}
	t.cancel()
	<-t.done
	return true
}

// expireTrial offboards a trial tenant once its trial period is over.
func (a *Agent) expireTrial(name string, trial *deadline) {
	defer trial.Stop()
	select {
	case <-trial.Done():
		if a.Offboard(name) {
			log.Printf("trial tenant %s offboarded", name)
		}
	case <-a.ctx.Done():
	}
}

func (a *Agent) tenant(name string) *tenant {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.roster[name]
}

func (a *Agent) anyTenant() *tenant {
	a.mu.Lock()
	defer a.mu.Unlock()
	names := make([]string, 0, len(a.roster))
	for n := range a.roster {
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return a.roster[names[rand.Intn(len(names))]]
}

func (a *Agent) reportLoop(ctx context.Context, every time.Duration, store *objectStore) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		a.mu.Lock()
		n := len(a.roster)
		var ok, failed int64
		for _, t := range a.roster {
			ok += atomic.LoadInt64(&t.backups)
			failed += atomic.LoadInt64(&t.failures)
		}
		a.mu.Unlock()
		log.Printf("agent: tenants=%d backups=%d failed=%d chunks=%d retries=%d restores=%d store[%s]",
			n, ok, failed, atomic.LoadInt64(&a.chunksSent), atomic.LoadInt64(&a.putRetries),
			atomic.LoadInt64(&a.restores), store)
	}
}

func randInt(n int) int {
	if n <= 0 {
		return 0
	}
	return rand.Intn(n)
}

func tenantName(i int) string {
	orgs := []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "soylent", "cyberdyne", "aperture", "vandelay"}
	return fmt.Sprintf("%s-%02d", orgs[i%len(orgs)], i)
}
