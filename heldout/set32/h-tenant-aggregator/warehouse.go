package main

import (
	"context"
	"encoding/json"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

// warehouse stands in for the analytics warehouse's bulk-load endpoint:
// a load takes 200-300 ms plus 10% for every other load in flight, and
// during a compaction stall (1-2 s every 15-25 s) about a second.
type warehouse struct {
	stalled  int32 // atomic
	inflight int32 // atomic

	mu   sync.Mutex
	rows map[string]int
}

func newWarehouse() *warehouse { return &warehouse{rows: map[string]int{}} }

func (w *warehouse) stalls(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(15*time.Second, 25*time.Second)):
		}
		atomic.StoreInt32(&w.stalled, 1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(time.Second, 2*time.Second)):
		}
		atomic.StoreInt32(&w.stalled, 0)
	}
}

func (w *warehouse) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/load" {
		http.Error(rw, "not found", http.StatusNotFound)
		return
	}
	var ro rollup
	if err := json.NewDecoder(r.Body).Decode(&ro); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	n := atomic.AddInt32(&w.inflight, 1)
	defer atomic.AddInt32(&w.inflight, -1)
	d := randDur(200*time.Millisecond, 300*time.Millisecond)
	d += d * time.Duration(n-1) * 10 / 100
	if atomic.LoadInt32(&w.stalled) == 1 {
		d = randDur(700*time.Millisecond, 1200*time.Millisecond)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if randIntn(100) == 0 {
		http.Error(rw, "load rejected, retry", http.StatusServiceUnavailable)
		return
	}
	w.mu.Lock()
	w.rows[ro.Tenant] += len(ro.Metrics)
	w.mu.Unlock()
	rw.WriteHeader(http.StatusNoContent)
}
