package main

import (
	"bufio"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// warehouse fakes the bulk-index backend: a few indexing slots, latency
// that grows with the batch, and a segment merge every 18-30 s that
// stalls indexing for a few seconds.
type warehouse struct {
	slots      chan struct{}
	stallUntil int64 // unix nanos

	mu   sync.Mutex
	docs map[string]int
}

func newWarehouse(slots int) *warehouse {
	return &warehouse{slots: make(chan struct{}, slots), docs: make(map[string]int)}
}

func (wh *warehouse) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/bulk", wh.handleBulk)
	return mux
}

func (wh *warehouse) handleBulk(w http.ResponseWriter, r *http.Request) {
	stream := r.URL.Query().Get("stream")
	n := 0
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	select {
	case wh.slots <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	defer func() { <-wh.slots }()

	if randIntn(200) == 0 {
		http.Error(w, "shard relocating", http.StatusServiceUnavailable)
		return
	}
	lat := 30*time.Millisecond + time.Duration(n)*400*time.Microsecond + randDur(0, 70*time.Millisecond)
	if time.Now().UnixNano() < atomic.LoadInt64(&wh.stallUntil) {
		lat += randDur(800*time.Millisecond, 2500*time.Millisecond)
	}
	t := time.NewTimer(lat)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}

	wh.mu.Lock()
	wh.docs[stream] += n
	wh.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (wh *warehouse) stallLoop(ctx context.Context) {
	for sleepCtx(ctx, randDur(18*time.Second, 30*time.Second)) {
		atomic.StoreInt64(&wh.stallUntil, time.Now().Add(randDur(2*time.Second, 4*time.Second)).UnixNano())
	}
}

func (wh *warehouse) docCount() int {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	total := 0
	for _, n := range wh.docs {
		total += n
	}
	return total
}
