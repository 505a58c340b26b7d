// Command i-rate-gateway is a multi-tenant API gateway. Every tenant has a
// token-bucket rate limiter per operation class; callers that arrive
// faster than their plan allows are queued on the limiter for as long as
// their own deadline (X-Deadline-Ms) allows, and rejected with 429 and a
// Retry-After otherwise. Admitted calls are forwarded to an in-process
// upstream on loopback, with delayed retries when it sheds load. Tenants
// can long-poll their quota state from a dashboard.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	up := newUpstream()
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("upstream listen: %v", err)
	}
	go up.serve(ctx, upLn)
	go up.brownouts(ctx)

	reg := newRegistry()
	gw := &gateway{
		reg:      reg,
		upstream: "http://" + upLn.Addr().String(),
		client: &http.Client{
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 48,
				IdleConnTimeout:     45 * time.Second,
			},
		},
		retry:       retryPolicy{base: 250 * time.Millisecond, max: 4 * time.Second, attempts: 4},
		maxDeadline: 180 * time.Second,
		stats:       &gatewayStats{},
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("gateway listen: %v", err)
	}
	srv := &http.Server{
		Handler:           gw.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("gateway: %v", err)
		}
	}()
	log.Printf("gateway on %s, upstream on %s", ln.Addr(), upLn.Addr())

	go gw.stats.report(ctx, 10*time.Second)

	fleet := newFleet("http://" + ln.Addr().String())
	go fleet.run(ctx)

	<-ctx.Done()
}
