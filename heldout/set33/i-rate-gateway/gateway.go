package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type gateway struct {
	reg         *registry
	upstream    string
	client      *http.Client
	retry       retryPolicy
	maxDeadline time.Duration
	stats       *gatewayStats
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/admin/signup", g.handleSignup)
	mux.HandleFunc("/admin/plan", g.handlePlan)
	mux.HandleFunc("/t/", g.handleTenant)
	return mux
}

func (g *gateway) handleSignup(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("tenant")
	tier := planTier(r.URL.Query().Get("tier"))
	if _, ok := plans[tier]; !ok || id == "" {
		http.Error(w, "bad signup", http.StatusBadRequest)
		return
	}
	t := g.reg.signup(id, tier)
	writeJSON(w, http.StatusCreated, t.view())
}

func (g *gateway) handlePlan(w http.ResponseWriter, r *http.Request) {
	t, ok := g.reg.lookup(r.URL.Query().Get("tenant"))
	tier := planTier(r.URL.Query().Get("tier"))
	if _, known := plans[tier]; !ok || !known {
		http.Error(w, "unknown tenant or tier", http.StatusNotFound)
		return
	}
	t.setTier(tier)
	writeJSON(w, http.StatusOK, t.view())
}

// handleTenant routes /t/{tenant}/{op}.
func (g *gateway) handleTenant(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/t/"), "/", 2)
	if len(parts) != 2 {
		http.NotFound(w, r)
		return
	}
	t, ok := g.reg.lookup(parts[0])
	if !ok {
		http.Error(w, "unknown tenant", http.StatusNotFound)
		return
	}
	switch parts[1] {
	case "query":
		g.handleQuery(w, r, t)
	case "export":
		g.handleExport(w, r, t)
	case "quota":
		g.handleQuota(w, r, t)
	default:
		http.NotFound(w, r)
	}
}

// callerContext bounds the request by the caller's own deadline budget.
func (g *gateway) callerContext(r *http.Request, def time.Duration) (context.Context, context.CancelFunc) {
	budget := def
	if ms, err := strconv.Atoi(r.Header.Get("X-Deadline-Ms")); err == nil && ms > 0 {
		budget = time.Duration(ms) * time.Millisecond
	}
	if budget > g.maxDeadline {
		budget = g.maxDeadline
	}
	return context.WithTimeout(r.Context(), budget)
}

func (g *gateway) handleQuery(w http.ResponseWriter, r *http.Request, t *tenant) {
	ctx, cancel := g.callerContext(r, time.Second)
	defer cancel()
	if err := t.queries.Wait(ctx); err != nil {
		g.reject(w, err)
		return
	}
	atomic.AddInt64(&g.stats.admittedQueries, 1)
	g.forward(ctx, w, "/v1/query?tenant="+t.id+"&q="+r.URL.Query().Get("q"))
}

func (g *gateway) handleExport(w http.ResponseWriter, r *http.Request, t *tenant) {
	ctx, cancel := g.callerContext(r, 30*time.Second)
	defer cancel()

	atomic.AddInt64(&g.stats.exportsQueued, 1)
	err := t.exports.Wait(ctx)
	atomic.AddInt64(&g.stats.exportsQueued, -1)
	if err != nil {
		g.reject(w, err)
		return
	}
	if err := t.slots.acquire(ctx); err != nil {
		g.reject(w, err)
		return
	}
	defer t.slots.release()
	atomic.AddInt64(&g.stats.exportsRunning, 1)
	defer atomic.AddInt64(&g.stats.exportsRunning, -1)
	g.forward(ctx, w, "/v1/export?tenant="+t.id+"&dataset="+r.URL.Query().Get("dataset"))
}

// handleQuota is the dashboards' long-poll: it answers when the tenant's
// plan changes, or with the current view when the poll times out.
func (g *gateway) handleQuota(w http.ResponseWriter, r *http.Request, t *tenant) {
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	timeout, err := time.ParseDuration(r.URL.Query().Get("timeout"))
	if err != nil || timeout <= 0 {
		timeout = 60 * time.Second
	}
	if timeout > g.maxDeadline {
		timeout = g.maxDeadline
	}
	atomic.AddInt64(&g.stats.pollers, 1)
	changed := t.awaitChange(r.Context(), since, timeout)
	atomic.AddInt64(&g.stats.pollers, -1)
	v := t.view()
	if !changed {
		w.Header().Set("X-Poll", "timeout")
	}
	writeJSON(w, http.StatusOK, v)
}

func (g *gateway) reject(w http.ResponseWriter, err error) {
	var te *throttledError
	switch {
	case errors.As(err, &te):
		atomic.AddInt64(&g.stats.throttled, 1)
		secs := int(te.RetryAfter/time.Second) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Retry-After-Ms", strconv.Itoa(int(te.RetryAfter/time.Millisecond)))
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case errors.Is(err, errNoSlot):
		atomic.AddInt64(&g.stats.throttled, 1)
		w.Header().Set("Retry-After", "15")
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	default:
		atomic.AddInt64(&g.stats.expired, 1)
		http.Error(w, "deadline exceeded while queued", http.StatusGatewayTimeout)
	}
}

// forward calls the upstream, retrying after a delay when it sheds load,
// for as long as the caller's deadline allows.
func (g *gateway) forward(ctx context.Context, w http.ResponseWriter, path string) {
	var lastStatus int
	for attempt := 0; attempt < g.retry.attempts; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.upstream+path, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := g.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				atomic.AddInt64(&g.stats.expired, 1)
				http.Error(w, "upstream deadline exceeded", http.StatusGatewayTimeout)
				return
			}
			lastStatus = http.StatusBadGateway
		} else if resp.StatusCode == http.StatusServiceUnavailable {
			lastStatus = resp.StatusCode
			hint := retryAfterHint(resp)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			atomic.AddInt64(&g.stats.retries, 1)
			if err := awaitTimer(ctx, g.retry.schedule(attempt, hint)); err != nil {
				atomic.AddInt64(&g.stats.expired, 1)
				http.Error(w, "deadline exceeded during retry", http.StatusGatewayTimeout)
				return
			}
			continue
		} else {
			defer resp.Body.Close()
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
			return
		}
		if err := awaitTimer(ctx, g.retry.schedule(attempt, 0)); err != nil {
			http.Error(w, "deadline exceeded during retry", http.StatusGatewayTimeout)
			return
		}
	}
	http.Error(w, fmt.Sprintf("upstream unavailable (%d)", lastStatus), http.StatusBadGateway)
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type gatewayStats struct {
	admittedQueries int64
	exportsQueued   int64
	exportsRunning  int64
	pollers         int64
	throttled       int64
	expired         int64
	retries         int64
}

func (s *gatewayStats) report(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("stats: queries=%d exports queued=%d running=%d pollers=%d throttled=%d expired=%d retries=%d",
				atomic.LoadInt64(&s.admittedQueries), atomic.LoadInt64(&s.exportsQueued),
				atomic.LoadInt64(&s.exportsRunning), atomic.LoadInt64(&s.pollers),
				atomic.LoadInt64(&s.throttled), atomic.LoadInt64(&s.expired), atomic.LoadInt64(&s.retries))
		}
	}
}
