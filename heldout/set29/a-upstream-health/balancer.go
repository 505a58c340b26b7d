package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/http/pprof"
	"net/url"
	"sync/atomic"
	"time"
)

type ctxKey struct{}

type Balancer struct {
	checker *Checker
	proxy   *httputil.ReverseProxy
	next    uint64

	proxied, noBackend, upstreamErr int64
}

func newBalancer(c *Checker) *Balancer {
	b := &Balancer{checker: c}
	b.proxy = &httputil.ReverseProxy{
		Director: func(r *http.Request) {
			u := r.Context().Value(ctxKey{}).(*url.URL)
			r.URL.Scheme = u.Scheme
			r.URL.Host = u.Host
			r.Header.Set("X-Forwarded-Host", r.Host)
		},
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			atomic.AddInt64(&b.upstreamErr, 1)
			http.Error(w, "bad gateway", http.StatusBadGateway)
		},
	}
	return b
}

func (b *Balancer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/status", b.handleStatus)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/", b.handleProxy)
	return mux
}

func (b *Balancer) handleProxy(w http.ResponseWriter, r *http.Request) {
	healthy := b.checker.Healthy()
	if len(healthy) == 0 {
		atomic.AddInt64(&b.noBackend, 1)
		http.Error(w, "no healthy upstream", http.StatusServiceUnavailable)
		return
	}
	t := healthy[atomic.AddUint64(&b.next, 1)%uint64(len(healthy))]
	u, err := url.Parse(t.url)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	atomic.AddInt64(&b.proxied, 1)
	w.Header().Set("X-Upstream", t.name)
	b.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, u)))
}

func (b *Balancer) handleStatus(w http.ResponseWriter, r *http.Request) {
	type row struct {
		Name      string `json:"name"`
		URL       string `json:"url"`
		Healthy   bool   `json:"healthy"`
		LastErr   string `json:"last_error,omitempty"`
		LastCheck string `json:"last_check"`
		Flaps     int    `json:"flaps"`
	}
	var rows []row
	for _, t := range b.checker.All() {
		t.mu.Lock()
		rows = append(rows, row{
			Name: t.name, URL: t.url, Healthy: atomic.LoadInt32(&t.healthy) == 1,
			LastErr: t.lastErr, LastCheck: t.lastCheck.Format(time.RFC3339Nano), Flaps: t.flaps,
		})
		t.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{
		"upstreams":    rows,
		"proxied":      atomic.LoadInt64(&b.proxied),
		"no_backend":   atomic.LoadInt64(&b.noBackend),
		"upstream_err": atomic.LoadInt64(&b.upstreamErr),
		"generated":    fmt.Sprint(time.Now().Unix()),
	})
}
