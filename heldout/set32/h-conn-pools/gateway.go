package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// upstream is the gateway's view of one backend: a dedicated client and
// connection pool, and the last status the backend pushed.
type upstream struct {
	name      string
	base      string
	transport *http.Transport
	client    *http.Client
	probe     *healthProbe

	inflight int64
	requests int64
	failures int64

	mu       sync.Mutex
	state    string // unknown, ok, degraded, stale
	lastSeen time.Time
	reported int // backend-reported in-flight requests
	weight   int
}

func newUpstream(name, apiAddr, statusAddr string) *upstream {
	tr := &http.Transport{
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	u := &upstream{
		name:      name,
		base:      "http://" + apiAddr,
		transport: tr,
		client:    &http.Client{Transport: tr},
		state:     "unknown",
		weight:    1,
	}
	u.probe = &healthProbe{up: u, addr: statusAddr}
	return u
}

func (u *upstream) observe(state string, reported int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.state = state
	u.reported = reported
	u.lastSeen = time.Now()
}

func (u *upstream) markUnknown() {
	u.mu.Lock()
	u.state = "unknown"
	u.mu.Unlock()
}

func (u *upstream) score() int {
	u.mu.Lock()
	w := u.weight
	u.mu.Unlock()
	return int(atomic.LoadInt64(&u.inflight)+1) * 4 / w
}

type gateway struct {
	timeout time.Duration

	mu  sync.RWMutex
	ups []*upstream

	requests int64
	errors   int64
}

func newGateway(timeout time.Duration) *gateway {
	return &gateway{timeout: timeout}
}

func (g *gateway) add(u *upstream) {
	g.mu.Lock()
	g.ups = append(g.ups, u)
	g.mu.Unlock()
}

func (g *gateway) size() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.ups)
}

// pick chooses the less loaded of two random upstreams.
func (g *gateway) pick() *upstream {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if len(g.ups) == 0 {
		return nil
	}
	a := g.ups[randIntn(len(g.ups))]
	b := g.ups[randIntn(len(g.ups))]
	if b.score() < a.score() {
		return b
	}
	return a
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/items/", g.handleItem)
	mux.HandleFunc("/admin/upstreams", g.handleUpstreams)
	return mux
}

func (g *gateway) handleItem(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&g.requests, 1)
	u := g.pick()
	if u == nil {
		http.Error(w, "no upstreams", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()

	id := strings.TrimPrefix(r.URL.Path, "/api/items/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.base+"/v1/items/"+id, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.Header.Set("X-Forwarded-For", r.RemoteAddr)

	atomic.AddInt64(&u.inflight, 1)
	atomic.AddInt64(&u.requests, 1)
	resp, err := u.client.Do(req)
	atomic.AddInt64(&u.inflight, -1)
	if err != nil {
		atomic.AddInt64(&u.failures, 1)
		atomic.AddInt64(&g.errors, 1)
		http.Error(w, "upstream "+u.name+": "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.Header().Set("X-Upstream", u.name)
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		// client went away; drain so the connection can be reused
		io.Copy(ioutil.Discard, resp.Body)
	}
}

type upstreamInfo struct {
	Name     string `json:"name"`
	State    string `json:"state"`
	Weight   int    `json:"weight"`
	Inflight int64  `json:"inflight"`
	Requests int64  `json:"requests"`
	Failures int64  `json:"failures"`
}

func (g *gateway) snapshot() []upstreamInfo {
	g.mu.RLock()
	ups := append([]*upstream(nil), g.ups...)
	g.mu.RUnlock()
	out := make([]upstreamInfo, 0, len(ups))
	for _, u := range ups {
		u.mu.Lock()
		info := upstreamInfo{Name: u.name, State: u.state, Weight: u.weight}
		u.mu.Unlock()
		info.Inflight = atomic.LoadInt64(&u.inflight)
		info.Requests = atomic.LoadInt64(&u.requests)
		info.Failures = atomic.LoadInt64(&u.failures)
		out = append(out, info)
	}
	return out
}

func (g *gateway) handleUpstreams(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(g.snapshot())
}

// rebalance turns the pushed health states into balancer weights; a
// backend that has not reported for 10 s is treated as stale.
func (g *gateway) rebalance(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g.mu.RLock()
		ups := append([]*upstream(nil), g.ups...)
		g.mu.RUnlock()
		for _, u := range ups {
			u.mu.Lock()
			if u.state != "unknown" && time.Since(u.lastSeen) > 10*time.Second {
				u.state = "stale"
			}
			switch u.state {
			case "ok":
				u.weight = 4
			case "degraded":
				u.weight = 2
			default:
				u.weight = 1
			}
			u.mu.Unlock()
		}
	}
}

func (g *gateway) report(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var b strings.Builder
		for _, in := range g.snapshot() {
			fmt.Fprintf(&b, " %s=%s/%d", in.Name, in.State, in.Requests)
		}
		log.Printf("gateway: %d requests %d errors;%s", atomic.LoadInt64(&g.requests), atomic.LoadInt64(&g.errors), b.String())
	}
}
