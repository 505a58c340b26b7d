// Command j-peer-gossip runs a SWIM-style membership cluster on loopback
// UDP: every agent probes one peer per protocol period with a ping and a
// timeout, falls back to indirect probes through other members, suspects
// peers nobody reaches and declares them dead unless they refute in time.
// The seed agent serves a health-watch API that load balancers long-poll.
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

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	c := newCluster(defaultConfig())
	if err := c.bootstrap(ctx); err != nil {
		log.Fatalf("bootstrap: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	api := &statusAPI{agent: c.seed}
	srv := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("status api: %v", err)
		}
	}()
	log.Printf("seed %s on %s, status API on %s", c.seed.name, c.seed.addr, ln.Addr())

	// Every member that joins gets a health subscription (two for every
	// third one: internal and edge load balancers).
	watchers := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, IdleConnTimeout: 150 * time.Second}}
	base := "http://" + ln.Addr().String()
	n := 0
	c.onJoin = func(name string) {
		n++
		subs := 1
		if n%3 == 0 {
			subs = 2
		}
		for i := 0; i < subs; i++ {
			hw := &healthWatcher{base: base, node: name, hc: watchers}
			go hw.run(ctx)
		}
	}

	go c.scaleOut(ctx)
	go c.chaos(ctx)
	go c.report(ctx, 10*time.Second)

	<-ctx.Done()
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

func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

// sleepCtx waits d; it reports false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
