package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/http/pprof"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type stats struct {
	requests  int64
	cacheHits int64
	timeouts  int64
	upstream  int64
	watches   int64
}

type cacheEntry struct {
	q       *Quote
	expires time.Time
}

type Gateway struct {
	backend      *url.URL
	quoteTimeout time.Duration
	pricing      *http.Client
	proxy        *httputil.ReverseProxy

	cacheMu sync.RWMutex
	cache   map[string]cacheEntry

	symMu   sync.RWMutex
	symList []string

	tickMu  sync.Mutex
	tickVer int64
	tickCh  chan struct{}

	st stats
}

func newGateway(backendURL string, quoteTimeout time.Duration) (*Gateway, error) {
	u, err := url.Parse(backendURL)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	g := &Gateway{
		backend:      u,
		quoteTimeout: quoteTimeout,
		pricing: &http.Client{
			Timeout: 3 * time.Second,
			Transport: &http.Transport{
				DialContext:         dialer.DialContext,
				MaxIdleConns:        64,
				MaxIdleConnsPerHost: 16,
				IdleConnTimeout:     60 * time.Second,
			},
		},
		cache:  make(map[string]cacheEntry),
		tickCh: make(chan struct{}),
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
		r.Header.Set("X-Forwarded-Service", "quote-gateway")
	}
	rp.Transport = &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     45 * time.Second,
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "upstream error", http.StatusBadGateway)
	}
	g.proxy = rp
	return g, nil
}

func (g *Gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/quote", g.handleQuote)
	mux.HandleFunc("/v1/symbols", g.handleSymbols)
	mux.HandleFunc("/v1/watch", g.handleWatch)
	mux.Handle("/api/", g.proxy)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return g.count(mux)
}

func (g *Gateway) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&g.st.requests, 1)
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("encode: %v", err)
	}
}

func (g *Gateway) handleQuote(w http.ResponseWriter, r *http.Request) {
	sym := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("sym")))
	if sym == "" {
		http.Error(w, "missing sym", http.StatusBadRequest)
		return
	}
	if q, ok := g.cached(sym); ok {
		atomic.AddInt64(&g.st.cacheHits, 1)
		w.Header().Set("X-Cache", "hit")
		writeJSON(w, q)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.quoteTimeout)
	defer cancel()
	q, err := g.fetchQuote(ctx, sym)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			atomic.AddInt64(&g.st.timeouts, 1)
			http.Error(w, "pricing timeout", http.StatusGatewayTimeout)
			return
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	g.store(sym, q)
	w.Header().Set("X-Cache", "miss")
	writeJSON(w, q)
}

// fetchQuote asks the pricing backend for sym, giving up when ctx is done.
func (g *Gateway) fetchQuote(ctx context.Context, sym string) (*Quote, error) {
	type result struct {
		q   *Quote
		err error
	}
	ch := make(chan result)
	go func() {
		q, err := g.lookup(sym)
		ch <- result{q, err}
	}()
	select {
	case res := <-ch:
		return res.q, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Gateway) lookup(sym string) (*Quote, error) {
	atomic.AddInt64(&g.st.upstream, 1)
	u := *g.backend
	u.Path = "/price"
	u.RawQuery = url.Values{"sym": {sym}}.Encode()
	resp, err := g.pricing.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pricing: %s", resp.Status)
	}
	var q Quote
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return nil, err
	}
	return &q, nil
}

func (g *Gateway) cached(sym string) (*Quote, bool) {
	g.cacheMu.RLock()
	e, ok := g.cache[sym]
	g.cacheMu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return e.q, true
}

func (g *Gateway) store(sym string, q *Quote) {
	g.cacheMu.Lock()
	g.cache[sym] = cacheEntry{q: q, expires: time.Now().Add(400 * time.Millisecond)}
	g.cacheMu.Unlock()
}

func (g *Gateway) cacheJanitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		g.cacheMu.Lock()
		for k, e := range g.cache {
			if now.After(e.expires) {
				delete(g.cache, k)
			}
		}
		g.cacheMu.Unlock()
	}
}

func (g *Gateway) handleSymbols(w http.ResponseWriter, r *http.Request) {
	g.symMu.RLock()
	list := g.symList
	g.symMu.RUnlock()
	if list == nil {
		http.Error(w, "warming up", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, list)
}

func (g *Gateway) refreshSymbols(every time.Duration) {
	for {
		u := *g.backend
		u.Path = "/symbols"
		resp, err := g.pricing.Get(u.String())
		if err == nil {
			var list []string
			err = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			if err == nil {
				g.symMu.Lock()
				g.symList = list
				g.symMu.Unlock()
			}
		}
		if err != nil {
			log.Printf("refresh symbols: %v", err)
		}
		time.Sleep(every)
	}
}

// marketTicker advances the market version and wakes all long-pollers by
// closing the current tick channel.
func (g *Gateway) marketTicker() {
	for {
		time.Sleep(time.Duration(600+time.Now().UnixNano()%400) * time.Millisecond)
		g.tickMu.Lock()
		g.tickVer++
		close(g.tickCh)
		g.tickCh = make(chan struct{})
		g.tickMu.Unlock()
	}
}

func (g *Gateway) currentTick() (int64, <-chan struct{}) {
	g.tickMu.Lock()
	defer g.tickMu.Unlock()
	return g.tickVer, g.tickCh
}

// handleWatch is a long-poll: it returns when the market version moves past
// ?since=, or after ?wait= (max 5s).
func (g *Gateway) handleWatch(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&g.st.watches, 1)
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if err != nil || wait <= 0 || wait > 5*time.Second {
		wait = 5 * time.Second
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		ver, ch := g.currentTick()
		if ver > since {
			writeJSON(w, map[string]int64{"version": ver})
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			w.WriteHeader(http.StatusNotModified)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (g *Gateway) reportStats(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		log.Printf("gateway: requests=%d cache_hits=%d upstream=%d timeouts=%d watches=%d",
			atomic.LoadInt64(&g.st.requests), atomic.LoadInt64(&g.st.cacheHits),
			atomic.LoadInt64(&g.st.upstream), atomic.LoadInt64(&g.st.timeouts),
			atomic.LoadInt64(&g.st.watches))
	}
}
