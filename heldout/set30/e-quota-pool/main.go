// Command e-quota-pool is a rate-limit sidecar: callers ask it whether a
// tenant may spend some quota and it forwards the check to the quota
// service over a pool of multiplexed TCP connections. Traffic ramps up over
// the run, so the pool grows, while individual connections are retired at
// the end of their jittered lifetime and reaped when idle.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	srv, err := newQuotaServer()
	if err != nil {
		log.Fatalf("quotad: %v", err)
	}
	go srv.serve()
	go srv.refillLoop(time.Second)

	pool := NewPool(poolConfig{
		Addr:               srv.addr(),
		MinConns:           2,
		MaxConns:           24,
		MaxInflightPerConn: 4,
		MinLifetime:        10 * time.Second,
		MaxLifetime:        40 * time.Second,
		IdleTimeout:        4 * time.Second,
		DialTimeout:        time.Second,
	})
	go pool.maintain(ctx, time.Second)
	go pool.autoscale(ctx, 3*time.Second)

	lim := &limiter{pool: pool}
	go lim.usageFlusher(ctx, 2*time.Second)
	go lim.keepalive(ctx, 5*time.Second)

	lg := &loadGen{lim: lim, start: time.Now()}
	go lg.run(ctx)

	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for range t.C {
		st := pool.stats()
		log.Printf("pool: conns=%d limit=%d inflight=%d dials=%d retired=%d reaped=%d server_conns=%d allowed=%d denied=%d errors=%d",
			st.conns, st.limit, st.inflight, st.dials, st.retired, st.reaped, srv.conns.Load(),
			lim.allowed.Load(), lim.denied.Load(), lim.errors.Load())
	}
}
