package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errBusy = errors.New("lock is held")
	errLost = errors.New("lock not held by owner")
)

const maxServerWait = 150 * time.Second

// grant is what an acquirer gets: a fencing token and the expiry.
type grant struct {
	Fence   uint64    `json:"fence"`
	Expires time.Time `json:"expires"`
}

type waiter struct {
	owner string
	ttl   time.Duration
	turn  chan grant // 1-buffered; filled by handOffLocked
}

type lockEntry struct {
	key    string
	owner  string
	fence  uint64
	expiry *time.Timer
	queue  []*waiter
}

func (e *lockEntry) dequeue(w *waiter) bool {
	for i, q := range e.queue {
		if q == w {
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			return true
		}
	}
	return false
}

// lockTable is one shard's state: held locks, their FIFO wait queues and
// expiry timers.
type lockTable struct {
	mu    sync.Mutex
	locks map[string]*lockEntry
	fence uint64

	granted, expired atomic.Int64
}

func newLockTable() *lockTable { return &lockTable{locks: make(map[string]*lockEntry)} }

func (t *lockTable) acquire(ctx context.Context, key, owner string, ttl, wait time.Duration) (grant, error) {
	t.mu.Lock()
	e := t.locks[key]
	if e == nil {
		e = &lockEntry{key: key}
		t.locks[key] = e
	}
	if e.owner == "" && len(e.queue) == 0 {
		g := t.grantLocked(e, owner, ttl)
		t.mu.Unlock()
		return g, nil
	}
	if wait <= 0 {
		t.mu.Unlock()
		return grant{}, errBusy
	}
	w := &waiter{owner: owner, ttl: ttl, turn: make(chan grant, 1)}
	e.queue = append(e.queue, w)
	t.mu.Unlock()
	return t.awaitTurn(ctx, e, w, wait)
}

// awaitTurn parks a queued acquirer until the lock is handed to it, its
// wait runs out or the client goes away.
func (t *lockTable) awaitTurn(ctx context.Context, e *lockEntry, w *waiter, wait time.Duration) (grant, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case g := <-w.turn:
		return g, nil
	case <-timer.C:
		err = errBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !e.dequeue(w) {
		// The lock was handed to us while we were giving up: pass it on.
		g := <-w.turn
		t.releaseLocked(e, w.owner, g.Fence)
	}
	return grant{}, err
}

func (t *lockTable) grantLocked(e *lockEntry, owner string, ttl time.Duration) grant {
	t.fence++
	e.owner, e.fence = owner, t.fence
	fence, key := e.fence, e.key
	e.expiry = time.AfterFunc(ttl, func() { t.expire(key, fence) })
	t.granted.Add(1)
	return grant{Fence: fence, Expires: time.Now().Add(ttl)}
}

func (t *lockTable) handOffLocked(e *lockEntry) {
	if len(e.queue) > 0 {
		w := e.queue[0]
		e.queue = e.queue[1:]
		w.turn <- t.grantLocked(e, w.owner, w.ttl)
		return
	}
	delete(t.locks, e.key)
}

func (t *lockTable) releaseLocked(e *lockEntry, owner string, fence uint64) bool {
	if e.owner != owner || e.fence != fence {
		return false
	}
	e.expiry.Stop()
	e.owner = ""
	t.handOffLocked(e)
	return true
}

func (t *lockTable) release(key, owner string, fence uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.locks[key]
	return e != nil && t.releaseLocked(e, owner, fence)
}

func (t *lockTable) renew(key, owner string, fence uint64, ttl time.Duration) (grant, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.locks[key]
	if e == nil || e.owner != owner || e.fence != fence {
		return grant{}, errLost
	}
	e.expiry.Reset(ttl)
	return grant{Fence: fence, Expires: time.Now().Add(ttl)}, nil
}

func (t *lockTable) expire(key string, fence uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.locks[key]
	if e == nil || e.owner == "" || e.fence != fence {
		return
	}
	e.owner = ""
	t.expired.Add(1)
	t.handOffLocked(e)
}

type tableStats struct{ held, waiting, granted, expired int64 }

func (t *lockTable) stats() tableStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	var st tableStats
	for _, e := range t.locks {
		if e.owner != "" {
			st.held++
		}
		st.waiting += int64(len(e.queue))
	}
	st.granted, st.expired = t.granted.Load(), t.expired.Load()
	return st
}

// shard is one lockd node. Every mutation goes through its journal gate;
// now and then the journal stalls on a slow fsync and requests queue
// behind the gate.
type shard struct {
	name  string
	table *lockTable
	gate  sync.RWMutex
}

func newShard(i int) *shard {
	return &shard{name: fmt.Sprintf("lockd-%d", i), table: newLockTable()}
}

func (s *shard) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/acquire", s.handleAcquire)
	mux.HandleFunc("/v1/renew", s.handleRenew)
	mux.HandleFunc("/v1/release", s.handleRelease)
	return mux
}

func (s *shard) journal() {
	s.gate.RLock()
	s.gate.RUnlock()
}

func (s *shard) journalStalls(ctx context.Context) {
	for {
		if !sleepCtx(ctx, between(15*time.Second, 30*time.Second)) {
			return
		}
		s.gate.Lock()
		time.Sleep(between(time.Second, 3200*time.Millisecond))
		s.gate.Unlock()
	}
}

func durParam(r *http.Request, name string, def time.Duration) time.Duration {
	ms, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || ms < 0 {
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

func (s *shard) handleAcquire(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key, owner := q.Get("key"), q.Get("owner")
	if key == "" || owner == "" {
		http.Error(w, "key and owner required", http.StatusBadRequest)
		return
	}
	ttl := durParam(r, "ttl_ms", 10*time.Second)
	wait := durParam(r, "wait_ms", 0)
	if wait > maxServerWait {
		wait = maxServerWait
	}
	s.journal()
	g, err := s.table.acquire(r.Context(), key, owner, ttl, wait)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(g)
	case errors.Is(err, errBusy):
		http.Error(w, "locked", http.StatusLocked)
	default:
		// client gone
	}
}

func (s *shard) handleRenew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fence, _ := strconv.ParseUint(q.Get("fence"), 10, 64)
	s.journal()
	g, err := s.table.renew(q.Get("key"), q.Get("owner"), fence, durParam(r, "ttl_ms", 10*time.Second))
	if err != nil {
		http.Error(w, err.Error(), http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(g)
}

func (s *shard) handleRelease(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fence, _ := strconv.ParseUint(q.Get("fence"), 10, 64)
	s.journal()
	if !s.table.release(q.Get("key"), q.Get("owner"), fence) {
		http.Error(w, "not held", http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
