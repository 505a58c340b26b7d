package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"
)

type leaseRecord struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Holder    string    `json:"holder"`
	Token     uint64    `json:"token"`
	TTL       int64     `json:"ttl_ms"`
	ExpiresAt time.Time `json:"expires_at"`
	Renewals  int       `json:"-"`
}

// leaseTable is the server's state: at most one live lease per key. Every
// change is appended to a (simulated) journal before it is acknowledged.
type leaseTable struct {
	mu     sync.Mutex
	byKey  map[string]*leaseRecord
	byID   map[string]*leaseRecord
	token  uint64
	seq    uint64
	rnd    *rand.Rand
	jmu    sync.Mutex
	jlen   int
	counts tableStats
}

type tableStats struct {
	held, granted, conflicts, expired, released, journalErrors int
}

func newLeaseTable() *leaseTable {
	return &leaseTable{
		byKey: make(map[string]*leaseRecord),
		byID:  make(map[string]*leaseRecord),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano())),
	}
}

var errJournal = fmt.Errorf("journal: append stalled, try again")

// appendJournal stands in for a durable write; under load it occasionally
// times out.
func (t *leaseTable) appendJournal(op string, rec *leaseRecord) error {
	t.jmu.Lock()
	defer t.jmu.Unlock()
	t.mu.Lock()
	fail := t.rnd.Intn(1000) < 5 && op == "release"
	t.mu.Unlock()
	if fail {
		t.mu.Lock()
		t.counts.journalErrors++
		t.mu.Unlock()
		return errJournal
	}
	t.jlen++
	return nil
}

func (t *leaseTable) acquire(key, holder string, ttl time.Duration) (*leaseRecord, bool) {
	now := time.Now()
	t.mu.Lock()
	if cur, ok := t.byKey[key]; ok && now.Before(cur.ExpiresAt) {
		t.counts.conflicts++
		t.mu.Unlock()
		return cur, false
	}
	t.seq++
	t.token++
	rec := &leaseRecord{
		ID:        "ls-" + strconv.FormatUint(t.seq, 36),
		Key:       key,
		Holder:    holder,
		Token:     t.token,
		TTL:       ttl.Milliseconds(),
		ExpiresAt: now.Add(ttl),
	}
	if old, ok := t.byKey[key]; ok {
		delete(t.byID, old.ID)
	}
	t.byKey[key] = rec
	t.byID[rec.ID] = rec
	t.counts.granted++
	t.mu.Unlock()
	t.appendJournal("grant", rec)
	return rec, true
}

func (t *leaseTable) renew(id string) (*leaseRecord, bool) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, ok := t.byID[id]
	if !ok || now.After(rec.ExpiresAt) {
		return nil, false
	}
	rec.ExpiresAt = now.Add(time.Duration(rec.TTL) * time.Millisecond)
	rec.Renewals++
	return rec, true
}

func (t *leaseTable) release(id string, token uint64) (bool, error) {
	t.mu.Lock()
	rec, ok := t.byID[id]
	if !ok || rec.Token != token {
		t.mu.Unlock()
		return false, nil
	}
	t.mu.Unlock()
	if err := t.appendJournal("release", rec); err != nil {
		return true, err
	}
	t.mu.Lock()
	delete(t.byID, id)
	if cur := t.byKey[rec.Key]; cur == rec {
		delete(t.byKey, rec.Key)
	}
	t.counts.released++
	t.mu.Unlock()
	return true, nil
}

// janitor drops leases whose holder stopped renewing them.
func (t *leaseTable) janitor(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tk.C:
			t.mu.Lock()
			for id, rec := range t.byID {
				if now.After(rec.ExpiresAt) {
					delete(t.byID, id)
					if t.byKey[rec.Key] == rec {
						delete(t.byKey, rec.Key)
					}
					t.counts.expired++
				}
			}
			t.mu.Unlock()
		}
	}
}

func (t *leaseTable) stats() tableStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.counts
	s.held = len(t.byID)
	return s
}

type leaseAPI struct {
	table *leaseTable
	mux   *http.ServeMux
}

func newLeaseAPI(t *leaseTable) http.Handler {
	a := &leaseAPI{table: t, mux: http.NewServeMux()}
	a.mux.HandleFunc("/v1/leases/acquire", a.handleAcquire)
	a.mux.HandleFunc("/v1/leases/renew", a.handleRenew)
	a.mux.HandleFunc("/v1/leases/release", a.handleRelease)
	a.mux.HandleFunc("/v1/stats", a.handleStats)
	return a.mux
}

func (a *leaseAPI) handleAcquire(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key, holder := r.FormValue("key"), r.FormValue("holder")
	ttlMS, err := strconv.ParseInt(r.FormValue("ttl_ms"), 10, 64)
	if key == "" || holder == "" || err != nil || ttlMS < 500 || ttlMS > 60000 {
		http.Error(w, "bad lease request", http.StatusBadRequest)
		return
	}
	rec, ok := a.table.acquire(key, holder, time.Duration(ttlMS)*time.Millisecond)
	if !ok {
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(time.Until(rec.ExpiresAt).Milliseconds(), 10))
		http.Error(w, "held by "+rec.Holder, http.StatusConflict)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (a *leaseAPI) handleRenew(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.table.renew(r.FormValue("id"))
	if !ok {
		http.Error(w, "no such lease", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (a *leaseAPI) handleRelease(w http.ResponseWriter, r *http.Request) {
	token, _ := strconv.ParseUint(r.FormValue("token"), 10, 64)
	found, err := a.table.release(r.FormValue("id"), token)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case !found:
		http.Error(w, "no such lease", http.StatusNotFound)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *leaseAPI) handleStats(w http.ResponseWriter, r *http.Request) {
	st := a.table.stats()
	writeJSON(w, http.StatusOK, map[string]int{
		"held": st.held, "granted": st.granted, "conflicts": st.conflicts,
		"expired": st.expired, "released": st.released, "journal_errors": st.journalErrors,
	})
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
