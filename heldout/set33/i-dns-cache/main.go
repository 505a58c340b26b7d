// Command i-dns-cache is a caching resolver in front of a slow authoritative
// server. Concurrent lookups of a name share one upstream query; callers
// give up when their own timeout passes while the query completes in the
// background. Cached entries are refreshed before they expire, and watch
// clients can long-poll a name for address changes.
package main

import (
	"context"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/heldout/internal/snapkit"
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

func randInt63n(n int64) int64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Int63n(n)
}

func randFloat64() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	zones := []*zone{
		{name: "svc.internal", minLatency: 5 * time.Millisecond, maxLatency: 40 * time.Millisecond, dropPct: 1, nxPct: 3, reshuffle: 47 * time.Second},
		{name: "edge.example", minLatency: 30 * time.Millisecond, maxLatency: 250 * time.Millisecond, dropPct: 3, nxPct: 5, reshuffle: 71 * time.Second},
		{name: "legacy.corp", minLatency: 900 * time.Millisecond, maxLatency: 6 * time.Second, dropPct: 8, nxPct: 10},
		{name: "partner.net", minLatency: 200 * time.Millisecond, maxLatency: 2500 * time.Millisecond, dropPct: 5, nxPct: 8, reshuffle: 95 * time.Second},
	}
	auth, err := newAuthServer(zones)
	if err != nil {
		log.Fatalf("authserver: %v", err)
	}
	go auth.Serve(ctx)
	go republish(ctx, zones)

	up := &upstreamClient{
		server:         auth.Addr(),
		attemptTimeout: 4 * time.Second,
		maxAttempts:    3,
		negativeTTL:    45 * time.Second,
	}
	cache := NewCache(ctx, up, 320)

	api := &resolverAPI{cache: cache, defaultTimeout: 2 * time.Second, maxWatch: 180 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("resolver api: %v", err)
		}
	}()
	log.Printf("resolver on %s, upstream %s", ln.Addr(), auth.Addr())

	zoneNames := make([]string, len(zones))
	for i, z := range zones {
		zoneNames[i] = z.name
	}
	tr := newTraffic("http://"+ln.Addr().String(), zoneNames)
	go tr.runStubs(ctx, 20)
	go tr.runWatchers(ctx, 4, 48)

	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-report.C:
			st := cache.snapshot()
			q, d := auth.stats()
			ok, to, w := tr.summary()
			log.Printf("entries=%d refreshers=%d watchers=%d hits=%d stale=%d misses=%d coalesced=%d gave_up=%d flights=%d errs=%d evictions=%d upstream=%d/%d dropped clients ok=%d timeout=%d watches=%d",
				cache.size(), st.refreshers, st.watchers, st.hits, st.stale, st.misses, st.coalesced, st.gaveUp, st.flights, st.flightErrs, st.evictions, q, d, ok, to, w)
		}
	}
}
