// control-keepalive-sleepy-handler (leak-free): a catalog service on
// 127.0.0.1 whose handler sleeps for its storage read (a simulated disk
// latency drawn per request, 150-350 ms) behind an http.ServeMux. One
// http.Client with keep-alive (one Transport) is driven by callers that
// ramp up 3 → 6 → 10, each making a bounded number of requests in a loop.
// The keep-alive connections are reused from phase to phase, so the
// server's (*conn).serve goroutines keep their ids while they sleep in
// request after request: the same id and stack at two snapshots, in
// another request (other arguments below the sleep). At the end the
// server is shut down and the client's idle connections closed; no
// goroutine is left.
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type Item struct {
	SKU   string
	Price int
}

type Catalog struct {
	mu     sync.RWMutex
	items  map[string]Item
	rng    *rand.Rand
	rngMu  sync.Mutex
	served int64
}

// readLatency is the storage read's time for one request.
func (c *Catalog) readLatency() time.Duration {
	c.rngMu.Lock()
	defer c.rngMu.Unlock()
	return 150*time.Millisecond + time.Duration(c.rng.Intn(200))*time.Millisecond
}

func (c *Catalog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	time.Sleep(c.readLatency()) // the storage read
	c.mu.RLock()
	it, ok := c.items[sku]
	c.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	atomic.AddInt64(&c.served, 1)
	fmt.Fprintf(w, "%s %d\n", it.SKU, it.Price)
}

type Caller struct {
	client   *http.Client
	base     string
	failures int64
	done     []int64
}

func (c *Caller) run(id, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		resp, err := c.client.Get(fmt.Sprintf("%s/item?sku=sku-%d", c.base, (id*17+i)%50))
		if err != nil {
			atomic.AddInt64(&c.failures, 1)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			atomic.AddInt64(&c.failures, 1)
		}
		atomic.AddInt64(&c.done[id], 1)
	}
}

func (c *Caller) least() int64 {
	var least int64 = -1
	for i := range c.done {
		if n := atomic.LoadInt64(&c.done[i]); least < 0 || n < least {
			least = n
		}
	}
	return least
}

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
	cat := &Catalog{items: map[string]Item{}, rng: rand.New(rand.NewSource(7))}
	for i := 0; i < 50; i++ {
		sku := fmt.Sprintf("sku-%d", i)
		cat.items[sku] = Item{SKU: sku, Price: 100 + 3*i}
	}
	mux := http.NewServeMux()
	mux.Handle("/item", cat)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	callers := &Caller{client: &http.Client{Transport: tr}, base: "http://" + ln.Addr().String()}
	const perCaller = 8
	for k, n := range []int{3, 6, 10} {
		start := atomic.LoadInt64(&cat.served)
		callers.done = make([]int64, n)
		var wg sync.WaitGroup
		for id := 0; id < n; id++ {
			wg.Add(1)
			go callers.run(id, perCaller, &wg)
		}
		// Every caller is into its loop (each connection has served a
		// request of this phase); the next requests are sleeping in the
		// handler most of the time.
		waitUntil(10*time.Second, func() bool { return callers.least() >= 2 })
		time.Sleep(60 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k + 1)
		wg.Wait()
		fmt.Printf("phase %d: %d callers, %d requests served\n", k+1, n, atomic.LoadInt64(&cat.served)-start)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		os.Exit(1)
	}
	<-serveErr
	tr.CloseIdleConnections()
	if callers.failures > 0 {
		fmt.Fprintf(os.Stderr, "%d requests failed\n", callers.failures)
		os.Exit(1)
	}
	if !waitUntil(5*time.Second, func() bool { return runtime.NumGoroutine() == 1 }) {
		fmt.Fprintf(os.Stderr, "%d goroutines left behind\n", runtime.NumGoroutine())
		os.Exit(1)
	}
	snap.Finish("control-keepalive-sleepy-handler")
}
