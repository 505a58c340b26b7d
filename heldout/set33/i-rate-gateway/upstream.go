package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// upstream is the service behind the gateway: cheap queries and slow
// exports. It sheds a little load all the time and a lot during brownouts.
type upstream struct {
	brownout int32
}

func newUpstream() *upstream { return &upstream{} }

func (u *upstream) serve(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/query", u.handleQuery)
	mux.HandleFunc("/v1/export", u.handleExport)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 45 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Printf("upstream: %v", err)
	}
}

func (u *upstream) shed(w http.ResponseWriter) bool {
	p := 30
	if atomic.LoadInt32(&u.brownout) == 1 {
		p = 450
	}
	if randIntn(1000) >= p {
		return false
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Retry-After-Ms", strconv.Itoa(300+randIntn(900)))
	http.Error(w, "overloaded", http.StatusServiceUnavailable)
	return true
}

// work simulates the request's service time, abandoning it if the
// gateway hangs up.
func work(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (u *upstream) handleQuery(w http.ResponseWriter, r *http.Request) {
	if u.shed(w) {
		return
	}
	if !work(r.Context(), time.Duration(3+randIntn(27))*time.Millisecond) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"tenant": r.URL.Query().Get("tenant"),
		"rows":   randIntn(500),
	})
}

func (u *upstream) handleExport(w http.ResponseWriter, r *http.Request) {
	if u.shed(w) {
		return
	}
	d := time.Duration(4000+randIntn(10000)) * time.Millisecond
	if !work(r.Context(), d) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"tenant":  r.URL.Query().Get("tenant"),
		"dataset": r.URL.Query().Get("dataset"),
		"object":  fmt.Sprintf("exports/%s/%d.parquet", r.URL.Query().Get("tenant"), time.Now().UnixNano()),
		"took_ms": d.Milliseconds(),
	})
}

// brownouts degrades the upstream for 3-5 s every 25-40 s.
func (u *upstream) brownouts(ctx context.Context) {
	for {
		if !work(ctx, time.Duration(25000+randIntn(15000))*time.Millisecond) {
			return
		}
		atomic.StoreInt32(&u.brownout, 1)
		log.Printf("upstream: brownout")
		ok := work(ctx, time.Duration(3000+randIntn(2000))*time.Millisecond)
		atomic.StoreInt32(&u.brownout, 0)
		if !ok {
			return
		}
	}
}

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randInt63n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Int63n(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randInt63n(int64(hi-lo)))
}
