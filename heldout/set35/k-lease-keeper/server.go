package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// leaseRecord is one granted lease. A lease holds zero or more lock keys;
// when it expires or is revoked the keys are released and their watchers
// are woken.
type leaseRecord struct {
	id      int64
	owner   string
	ttl     time.Duration
	expires time.Time
	keys    map[string]struct{}
}

type lockState struct {
	holder  int64         // lease id, 0 when free
	rev     int64         // bumped on every change
	changed chan struct{} // closed and replaced on every change
}

// leaseStore is the coordination backend: leases with TTLs, lock keys bound
// to leases and long-poll watches on keys. A compactor occasionally holds
// the store lock for a few hundred milliseconds, like a real store that
// snapshots its state.
type leaseStore struct {
	mu      sync.Mutex
	nextID  int64
	leases  map[int64]*leaseRecord
	locks   map[string]*lockState
	configs map[string]int64 // tenant -> config epoch

	granted, expired, revoked, renewals int64
}

func newLeaseStore() *leaseStore {
	return &leaseStore{
		leases:  make(map[int64]*leaseRecord),
		locks:   make(map[string]*lockState),
		configs: make(map[string]int64),
	}
}

func (s *leaseStore) lockLocked(key string) *lockState {
	ls := s.locks[key]
	if ls == nil {
		ls = &lockState{changed: make(chan struct{})}
		s.locks[key] = ls
	}
	return ls
}

func (s *leaseStore) grant(owner string, ttl time.Duration) *leaseRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	rec := &leaseRecord{id: s.nextID, owner: owner, ttl: ttl, expires: time.Now().Add(ttl), keys: map[string]struct{}{}}
	s.leases[rec.id] = rec
	s.granted++
	return rec
}

func (s *leaseStore) renew(id int64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.leases[id]
	if !ok {
		return 0, false
	}
	rec.expires = time.Now().Add(rec.ttl)
	s.renewals++
	return rec.ttl, true
}

// dropLocked removes a lease and frees its keys. s.mu must be held.
func (s *leaseStore) dropLocked(rec *leaseRecord) {
	delete(s.leases, rec.id)
	for key := range rec.keys {
		ls := s.locks[key]
		if ls != nil && ls.holder == rec.id {
			ls.holder = 0
			ls.rev++
			close(ls.changed)
			ls.changed = make(chan struct{})
		}
	}
}

func (s *leaseStore) revoke(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.leases[id]
	if !ok {
		return false
	}
	s.dropLocked(rec)
	s.revoked++
	return true
}

// acquire binds key to lease id if the key is free. It returns the holder.
func (s *leaseStore) acquire(key string, id int64) (holder int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, live := s.leases[id]
	if !live {
		return 0, false
	}
	ls := s.lockLocked(key)
	if ls.holder != 0 && ls.holder != id {
		return ls.holder, false
	}
	if ls.holder == 0 {
		ls.holder = id
		ls.rev++
		close(ls.changed)
		ls.changed = make(chan struct{})
	}
	rec.keys[key] = struct{}{}
	return id, true
}

func (s *leaseStore) lookup(key string) (holder, rev int64, changed <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.lockLocked(key)
	return ls.holder, ls.rev, ls.changed
}

func (s *leaseStore) configEpoch(tenant string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.configs[tenant]
}

func (s *leaseStore) bumpConfig(tenant string) {
	s.mu.Lock()
	s.configs[tenant]++
	s.mu.Unlock()
}

// reap expires leases whose TTL ran out.
func (s *leaseStore) reap(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, rec := range s.leases {
		if now.After(rec.expires) {
			s.dropLocked(rec)
			s.expired++
			n++
		}
	}
	return n
}

func (s *leaseStore) reapLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.reap(now)
		}
	}
}

// compactLoop simulates periodic snapshotting: it holds the store lock for
// a little while every 12-20 s, so renewals queue up behind it.
func (s *leaseStore) compactLoop(ctx context.Context) {
	for {
		if err := sleepCtx(ctx, jitter(12*time.Second, 8*time.Second)); err != nil {
			return
		}
		s.mu.Lock()
		time.Sleep(jitter(150*time.Millisecond, 350*time.Millisecond))
		s.mu.Unlock()
	}
}

func (s *leaseStore) stats() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := int64(0)
	for _, ls := range s.locks {
		if ls.holder != 0 {
			held++
		}
	}
	return map[string]int64{
		"leases": int64(len(s.leases)), "locks_held": held,
		"granted": s.granted, "expired": s.expired, "revoked": s.revoked, "renewals": s.renewals,
	}
}

// ---- HTTP API ----

type leaseAPI struct {
	store   *leaseStore
	maxWait time.Duration
}

func (a *leaseAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/lease/grant", a.handleGrant)
	mux.HandleFunc("/v1/lease/keepalive", a.handleKeepAlive)
	mux.HandleFunc("/v1/lease/revoke", a.handleRevoke)
	mux.HandleFunc("/v1/lock/acquire", a.handleAcquire)
	mux.HandleFunc("/v1/lock/watch", a.handleWatch)
	mux.HandleFunc("/v1/config", a.handleConfig)
	mux.HandleFunc("/v1/checkpoint", a.handleCheckpoint)
	mux.HandleFunc("/debug/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.store.stats())
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func queryInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return n
}

type grantResp struct {
	ID    int64 `json:"id"`
	TTLms int64 `json:"ttl_ms"`
}

func (a *leaseAPI) handleGrant(w http.ResponseWriter, r *http.Request) {
	ttl := time.Duration(queryInt(r, "ttl_ms")) * time.Millisecond
	if ttl < time.Second {
		ttl = time.Second
	}
	rec := a.store.grant(r.URL.Query().Get("owner"), ttl)
	writeJSON(w, http.StatusOK, grantResp{ID: rec.id, TTLms: ttl.Milliseconds()})
}

func (a *leaseAPI) handleKeepAlive(w http.ResponseWriter, r *http.Request) {
	ttl, ok := a.store.renew(queryInt(r, "id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "lease not found"})
		return
	}
	writeJSON(w, http.StatusOK, grantResp{ID: queryInt(r, "id"), TTLms: ttl.Milliseconds()})
}

func (a *leaseAPI) handleRevoke(w http.ResponseWriter, r *http.Request) {
	a.store.revoke(queryInt(r, "id"))
	w.WriteHeader(http.StatusNoContent)
}

type acquireResp struct {
	OK     bool  `json:"ok"`
	Holder int64 `json:"holder"`
}

func (a *leaseAPI) handleAcquire(w http.ResponseWriter, r *http.Request) {
	holder, ok := a.store.acquire(r.URL.Query().Get("key"), queryInt(r, "lease"))
	code := http.StatusOK
	if !ok {
		code = http.StatusConflict
	}
	writeJSON(w, code, acquireResp{OK: ok, Holder: holder})
}

type watchResp struct {
	Holder int64 `json:"holder"`
	Rev    int64 `json:"rev"`
}

// handleWatch long-polls a key: it answers at once if the key is free or has
// moved past the caller's revision, else when it changes or the wait runs out.
func (a *leaseAPI) handleWatch(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	since := queryInt(r, "rev")
	wait := time.Duration(queryInt(r, "wait_ms")) * time.Millisecond
	if wait <= 0 || wait > a.maxWait {
		wait = a.maxWait
	}
	holder, rev, changed := a.store.lookup(key)
	if holder == 0 || rev > since {
		writeJSON(w, http.StatusOK, watchResp{Holder: holder, Rev: rev})
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-r.Context().Done():
		return
	}
	holder, rev, _ = a.store.lookup(key)
	writeJSON(w, http.StatusOK, watchResp{Holder: holder, Rev: rev})
}

func (a *leaseAPI) handleConfig(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	writeJSON(w, http.StatusOK, map[string]int64{"epoch": a.store.configEpoch(tenant)})
}

// handleCheckpoint stands in for a durable write: it takes a while.
func (a *leaseAPI) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	d := time.Duration(queryInt(r, "bytes")/2048) * time.Millisecond
	if d > 1500*time.Millisecond {
		d = 1500 * time.Millisecond
	}
	select {
	case <-time.After(d + jitter(20*time.Millisecond, 60*time.Millisecond)):
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}
