// Command h-conn-pools is an API gateway in front of a fleet of item
// backends. Every backend gets its own HTTP client and connection pool,
// and a raw TCP health channel on which the backend pushes a status line
// every few seconds. Backends are brought up over time by a fleet
// manager; an in-process client population drives the gateway.
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

	gw := newGateway(1500 * time.Millisecond)
	go gw.rebalance(ctx, time.Second)
	go gw.report(ctx, 10*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("gateway: listen: %v", err)
	}
	srv := &http.Server{Handler: gw.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("gateway: %v", err)
		}
	}()
	log.Printf("gateway on %s", ln.Addr())

	fm := &fleetManager{gw: gw, initial: 3, every: 10 * time.Second, max: 20}
	if err := fm.bootstrap(ctx); err != nil {
		log.Fatalf("fleet: %v", err)
	}
	go fm.run(ctx)

	lg := newLoadGen("http://"+ln.Addr().String(), gw)
	go lg.run(ctx)

	<-ctx.Done()
}
