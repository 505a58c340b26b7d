package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tier is a tenant's plan; it decides how its pools are provisioned.
type tier string

const (
	tierFree       tier = "free"
	tierTeam       tier = "team"
	tierEnterprise tier = "enterprise"
)

func (t tier) pools() map[string]poolConfig {
	switch t {
	case tierEnterprise:
		return map[string]poolConfig{
			"api":    {kind: kindConsumable, capacity: 40, refillN: 8, refillEvery: time.Second},
			"export": {kind: kindConsumable, capacity: 6, refillN: 1, refillEvery: 20 * time.Second, resetEvery: 70 * time.Second},
		}
	case tierTeam:
		return map[string]poolConfig{
			"api":    {kind: kindConsumable, capacity: 24, refillN: 5, refillEvery: time.Second},
			"export": {kind: kindConsumable, capacity: 4, refillN: 1, refillEvery: 25 * time.Second, resetEvery: 75 * time.Second},
		}
	default:
		return map[string]poolConfig{
			"api":    {kind: kindConsumable, capacity: 12, refillN: 3, refillEvery: time.Second},
			"export": {kind: kindConsumable, capacity: 2, refillN: 1, refillEvery: 40 * time.Second, resetEvery: 90 * time.Second},
		}
	}
}

const maxWait = 180 * time.Second

// quotaServer owns every pool: per-tenant api and export quotas, and the
// shared concurrency pools (render slots) handed out as leases.
type quotaServer struct {
	mu     sync.RWMutex
	pools  map[string]*quotaPool
	owners map[string][]string // tenant -> pool keys

	sched  *resetScheduler
	leases *leaseTable

	acquires  int64
	throttled int64
}

func newQuotaServer(sched *resetScheduler) *quotaServer {
	s := &quotaServer{
		pools:  make(map[string]*quotaPool),
		owners: make(map[string][]string),
		sched:  sched,
		leases: newLeaseTable(),
	}
	s.addShared("shared/render-slots", poolConfig{kind: kindConcurrency, capacity: 6})
	s.addShared("shared/ocr-slots", poolConfig{kind: kindConcurrency, capacity: 3})
	return s
}

func (s *quotaServer) addShared(key string, cfg poolConfig) {
	p := newQuotaPool(key, cfg)
	s.mu.Lock()
	s.pools[key] = p
	s.mu.Unlock()
}

func (s *quotaServer) pool(key string) *quotaPool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pools[key]
}

// provision creates a tenant's pools for its plan, starts their refills
// and schedules their window resets.
func (s *quotaServer) provision(tenant string, t tier) error {
	s.mu.Lock()
	if _, ok := s.owners[tenant]; ok {
		s.mu.Unlock()
		return fmt.Errorf("tenant %s exists", tenant)
	}
	var created []*quotaPool
	for name, cfg := range t.pools() {
		key := tenant + "/" + name
		p := newQuotaPool(key, cfg)
		s.pools[key] = p
		s.owners[tenant] = append(s.owners[tenant], key)
		created = append(created, p)
	}
	s.mu.Unlock()
	for _, p := range created {
		go p.refillLoop()
		s.sched.add(p, time.Duration(randIntn(15000))*time.Millisecond)
	}
	return nil
}

// deprovision closes a departing tenant's pools; callers still queued on
// them are failed.
func (s *quotaServer) deprovision(tenant string) bool {
	s.mu.Lock()
	keys, ok := s.owners[tenant]
	var closing []*quotaPool
	for _, k := range keys {
		closing = append(closing, s.pools[k])
		delete(s.pools, k)
	}
	delete(s.owners, tenant)
	s.mu.Unlock()
	for _, p := range closing {
		s.sched.remove(p.key)
		p.Close()
	}
	return ok
}

func (s *quotaServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/admin/tenants", s.handleTenants)
	mux.HandleFunc("/v1/acquire", s.handleAcquire)
	mux.HandleFunc("/v1/release", s.handleRelease)
	mux.HandleFunc("/v1/window", s.handleWindow)
	mux.HandleFunc("/v1/status", s.handleStatus)
	return mux
}

func (s *quotaServer) handleTenants(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant == "" {
		http.Error(w, "tenant required", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPost:
		if err := s.provision(tenant, tier(r.URL.Query().Get("tier"))); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		if !s.deprovision(tenant) {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

type acquireReply struct {
	Pool  string `json:"pool"`
	Units int    `json:"units"`
	Lease string `json:"lease,omitempty"`
	Queue int64  `json:"queued_ms"`
}

// handleAcquire takes units from a pool, holding the request until they
// are granted or the caller's wait budget runs out.
func (s *quotaServer) handleAcquire(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := s.pool(q.Get("pool"))
	if p == nil {
		http.Error(w, "unknown pool", http.StatusNotFound)
		return
	}
	n, _ := strconv.Atoi(q.Get("n"))
	if n <= 0 {
		n = 1
	}
	wait := parseDuration(q.Get("wait"), 2*time.Second, maxWait)
	atomic.AddInt64(&s.acquires, 1)

	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	start := time.Now()
	err := p.Acquire(ctx, n)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		atomic.AddInt64(&s.throttled, 1)
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter(p)))
		http.Error(w, "quota exhausted", http.StatusTooManyRequests)
		return
	case errors.Is(err, errPoolClosed):
		http.Error(w, err.Error(), http.StatusGone)
		return
	case errors.Is(err, errTooLarge):
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	default:
		// The caller went away while queued.
		return
	}

	reply := acquireReply{Pool: p.key, Units: n, Queue: time.Since(start).Milliseconds()}
	if p.cfg.kind == kindConcurrency {
		life := parseDuration(q.Get("ttl"), 120*time.Second, maxWait)
		reply.Lease = s.leases.grant(p, n, q.Get("holder"), life).id
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reply)
}

// retryAfter estimates, in seconds, when trying again is worth it.
func (s *quotaServer) retryAfter(p *quotaPool) int {
	if p.cfg.refillN > 0 {
		return int(p.cfg.refillEvery/time.Second) + 1
	}
	return 15
}

func (s *quotaServer) handleRelease(w http.ResponseWriter, r *http.Request) {
	if !s.leases.release(r.URL.Query().Get("lease")) {
		http.Error(w, "no such lease", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleWindow is a long-poll for dashboards: it answers when the pool's
// window number moves past the one the caller has seen, or with 204 when
// the caller's wait runs out first.
func (s *quotaServer) handleWindow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := s.pool(q.Get("pool"))
	if p == nil {
		http.Error(w, "unknown pool", http.StatusNotFound)
		return
	}
	seen, _ := strconv.Atoi(q.Get("epoch"))
	wait := parseDuration(q.Get("wait"), 60*time.Second, maxWait)

	epoch, changed := awaitWindow(r.Context(), p, seen, wait)
	if !changed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	st := p.status()
	st.Epoch = epoch
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func awaitWindow(ctx context.Context, p *quotaPool, seen int, wait time.Duration) (int, bool) {
	epoch, next := p.window()
	if epoch != seen {
		return epoch, true
	}
	select {
	case <-next:
		epoch, _ = p.window()
		return epoch, true
	case <-time.After(wait):
	case <-p.closed:
	case <-ctx.Done():
	}
	return epoch, false
}

func (s *quotaServer) handleStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	out := make([]poolStatus, 0, len(s.pools))
	for _, p := range s.pools {
		out = append(out, p.status())
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// report logs the service's counters now and then.
func (s *quotaServer) report(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		s.mu.RLock()
		queued, tenants := 0, len(s.owners)
		for _, p := range s.pools {
			queued += p.status().Queued
		}
		s.mu.RUnlock()
		log.Printf("quota: tenants=%d queued=%d acquires=%d throttled=%d leases=%d released=%d reclaimed=%d resets=%d | %v | %v",
			tenants, queued, atomic.LoadInt64(&s.acquires), atomic.LoadInt64(&s.throttled),
			s.leases.active(), atomic.LoadInt64(&s.leases.released), atomic.LoadInt64(&s.leases.reclaimed),
			s.sched.firedCount(), s.pool("shared/render-slots"), s.pool("shared/ocr-slots"))
	}
}

func parseDuration(v string, def, max time.Duration) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		d = def
	}
	if d > max {
		d = max
	}
	return d
}
