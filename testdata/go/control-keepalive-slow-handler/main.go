// control-keepalive-slow-handler (leak-free): a quote service on
// 127.0.0.1 whose handler asks a slow backend (a query sent on a channel to
// 4 backend workers, the reply awaited in a select with the request's
// ctx.Done()). One http.Client with keep-alive (one Transport) is driven by
// a load generator whose concurrent callers ramp up 3 → 6 → 10, each making
// a bounded number of requests in a loop. The keep-alive connections are
// reused from phase to phase, so the server's (*conn).serve goroutines and
// the client's readLoop/writeLoop keep their ids while they serve request
// after request. Each snapshot is taken in the middle of a phase, while the
// backend holds its table for a checkpoint: every connection is caught
// mid-request, its handler waiting for the backend. At the end the server
// is shut down, the client's idle connections closed and the backend
// stopped; no goroutine is left.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type query struct {
	sku   string
	reply chan int // buffered: a worker never waits for a caller that gave up
}

// Backend is a price table served by a few workers. Lookups read it under
// the read lock; a checkpoint takes the write lock.
type Backend struct {
	queries chan *query
	latency time.Duration
	mu      sync.RWMutex
	prices  map[string]int
	wg      sync.WaitGroup
}

func NewBackend(workers int, latency time.Duration) *Backend {
	b := &Backend{
		queries: make(chan *query, 64),
		latency: latency,
		prices:  map[string]int{},
	}
	for i := 0; i < 100; i++ {
		b.prices[fmt.Sprintf("sku-%d", i)] = 100 + i*7
	}
	for i := 0; i < workers; i++ {
		b.wg.Add(1)
		go b.worker()
	}
	return b
}

func (b *Backend) worker() {
	defer b.wg.Done()
	for q := range b.queries {
		b.mu.RLock()
		price := b.prices[q.sku]
		time.Sleep(b.latency) // the table scan
		b.mu.RUnlock()
		q.reply <- price
	}
}

// Lookup sends the query to the backend and waits for its reply or for
// the caller's context.
func (b *Backend) Lookup(ctx context.Context, sku string) (int, error) {
	q := &query{sku: sku, reply: make(chan int, 1)}
	select {
	case b.queries <- q:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case price := <-q.reply:
		return price, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Checkpoint holds the table still (no lookup runs) while fn runs.
func (b *Backend) Checkpoint(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn()
}

func (b *Backend) Close() {
	close(b.queries)
	b.wg.Wait()
}

type QuoteServer struct {
	backend *Backend
	served  int64
}

func (s *QuoteServer) handleQuote(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 8*time.Second)
	defer cancel()
	sku := r.URL.Query().Get("sku")
	price, err := s.backend.Lookup(ctx, sku)
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	atomic.AddInt64(&s.served, 1)
	fmt.Fprintf(w, "%s %d\n", sku, price)
}

type QuoteClient struct {
	http *http.Client
	base string
}

func (c *QuoteClient) Quote(sku string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/quote?sku="+sku, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(resp.Status)
	}
	return string(body), nil
}

// LoadGen drives the client with a number of concurrent callers.
type LoadGen struct {
	client   *QuoteClient
	failures int64
	progress []int64 // requests done by each caller of the current phase
}

// Run starts n callers that each make perCaller requests one after the
// other; wg is done when they all are.
func (g *LoadGen) Run(n, perCaller int, wg *sync.WaitGroup) {
	g.progress = make([]int64, n)
	for id := 0; id < n; id++ {
		wg.Add(1)
		go g.caller(id, perCaller, wg)
	}
}

func (g *LoadGen) caller(id, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		if _, err := g.client.Quote(fmt.Sprintf("sku-%d", (id*31+i)%100)); err != nil {
			atomic.AddInt64(&g.failures, 1)
		}
		atomic.AddInt64(&g.progress[id], 1)
	}
}

// Busiest reports the most requests any caller of the phase has done.
func (g *LoadGen) Busiest() int64 {
	var most int64
	for i := range g.progress {
		if n := atomic.LoadInt64(&g.progress[i]); n > most {
			most = n
		}
	}
	return most
}

// waitUntil polls cond until it holds or the timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	backend := NewBackend(4, 2*time.Millisecond)
	qs := &QuoteServer{backend: backend}
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", qs.handleQuote)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	client := &QuoteClient{http: &http.Client{Transport: tr}, base: "http://" + ln.Addr().String()}

	const perCaller = 60
	load := &LoadGen{client: client}
	callers := []int{3, 6, 10}
	for k, n := range callers {
		start := atomic.LoadInt64(&qs.served)
		var wg sync.WaitGroup
		load.Run(n, perCaller, &wg)
		// Once the busiest caller is a quarter of the way through, the
		// backend checkpoints: no caller has finished, and every one is
		// mid-request when the snapshot is taken.
		waitUntil(10*time.Second, func() bool { return load.Busiest() >= perCaller/4 })
		backend.Checkpoint(func() {
			snap.Settle()
			snap.Goroutines(k + 1)
		})
		wg.Wait()
		fmt.Printf("phase %d: %d callers, %d requests served\n", k+1, n, atomic.LoadInt64(&qs.served)-start)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		os.Exit(1)
	}
	<-serveErr
	tr.CloseIdleConnections()
	backend.Close()
	if load.failures > 0 {
		fmt.Fprintf(os.Stderr, "%d requests failed\n", load.failures)
		os.Exit(1)
	}
	if !waitUntil(5*time.Second, func() bool { return runtime.NumGoroutine() == 1 }) {
		fmt.Fprintf(os.Stderr, "%d goroutines left behind\n", runtime.NumGoroutine())
		os.Exit(1)
	}
	snap.Finish("control-keepalive-slow-handler")
}
