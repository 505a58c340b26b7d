package main

import (
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The partner farm stands in for the tenants' webhook endpoints, all on
// one loopback server under /hook/NAME. Each endpoint has a profile.
type profile int

const (
	healthy     profile = iota
	slow                // 0.4-4.5 s per call; the hub gives up after 3 s
	flaky               // one call in three answers 500
	maintenance         // down for 50-100 s out of every 2-3 minutes
	broken              // a misconfigured proxy: always 502
)

func (p profile) String() string {
	return [...]string{"healthy", "slow", "flaky", "maintenance", "broken"}[p]
}

type endpoint struct {
	name    string
	profile profile

	// maintenance windows
	period, down time.Duration
	phase        time.Duration

	hits atomic.Int64
}

type partnerFarm struct {
	start time.Time

	mu        sync.RWMutex
	endpoints map[string]*endpoint

	rndMu sync.Mutex
	rnd   *rand.Rand
}

func newPartnerFarm() *partnerFarm {
	return &partnerFarm{
		start:     time.Now(),
		endpoints: make(map[string]*endpoint),
		rnd:       rand.New(rand.NewSource(time.Now().UnixNano())),
	}
}

func (f *partnerFarm) between(lo, hi time.Duration) time.Duration {
	f.rndMu.Lock()
	defer f.rndMu.Unlock()
	return lo + time.Duration(f.rnd.Int63n(int64(hi-lo)+1))
}

func (f *partnerFarm) chance(pct int) bool {
	f.rndMu.Lock()
	defer f.rndMu.Unlock()
	return f.rnd.Intn(100) < pct
}

func (f *partnerFarm) register(name string, p profile) {
	ep := &endpoint{name: name, profile: p}
	if p == maintenance {
		ep.period = f.between(120*time.Second, 180*time.Second)
		ep.down = f.between(50*time.Second, 100*time.Second)
		ep.phase = f.between(0, ep.period)
	}
	f.mu.Lock()
	f.endpoints[name] = ep
	f.mu.Unlock()
}

func (f *partnerFarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/hook/")
	f.mu.RLock()
	ep := f.endpoints[name]
	f.mu.RUnlock()
	if ep == nil || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	ep.hits.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)

	switch ep.profile {
	case slow:
		if !f.stall(r, f.between(400*time.Millisecond, 4500*time.Millisecond)) {
			return
		}
	case flaky:
		if f.chance(33) {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	case maintenance:
		at := (time.Since(f.start) + ep.phase) % ep.period
		if at < ep.down {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
	case broken:
		if !f.stall(r, f.between(50*time.Millisecond, 300*time.Millisecond)) {
			return
		}
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	if !f.stall(r, f.between(5*time.Millisecond, 60*time.Millisecond)) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// stall holds the request for d unless the caller hangs up first.
func (f *partnerFarm) stall(r *http.Request, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}
