// a-quote-gateway: an HTTP API gateway in front of an in-process pricing
// backend. The gateway serves /v1/quote (cached, with a 150ms per-request
// deadline on the backend lookup), /v1/symbols (refreshed by a daemon),
// /v1/watch (long-poll on market ticks), /api/* (reverse proxy to the
// backend), /healthz and net/http/pprof on the same mux. In-process clients
// drive it over keep-alive connections: a worker pool that grows over the
// first two minutes, random bursts of short-lived callers, long-poll
// watchers and an ops poller that fetches /debug/pprof/goroutine?debug=2.
// The backend has a latency tail and periodic stalls ("GC pauses").
//
// BUG: fetchQuote runs the backend call in a goroutine that delivers its
// result on an unbuffered channel. When the request deadline fires first the
// handler returns, nobody ever receives, and the goroutine stays blocked on
// the send forever. Every quote lookup slower than 150ms leaks one goroutine
// (a few percent of cache misses, in bursts during backend stalls, more as
// the load rises).
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	backend, err := startPricingBackend()
	if err != nil {
		log.Fatalf("pricing backend: %v", err)
	}
	go backend.hiccups()

	gw, err := newGateway(backend.URL, 150*time.Millisecond)
	if err != nil {
		log.Fatalf("gateway: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           gw.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()
	go gw.refreshSymbols(10 * time.Second)
	go gw.cacheJanitor(2 * time.Second)
	go gw.marketTicker()
	go gw.reportStats(15 * time.Second)

	base := "http://" + ln.Addr().String()
	lg := newLoadGen(base)
	go lg.rampWorkers(3, 14, 8*time.Second)
	go lg.bursts()
	for i := 0; i < 5; i++ {
		go lg.watcher(i)
	}
	go lg.opsPoller(12 * time.Second)

	select {}
}
