// Command k-lease-keeper is a small coordination service: leases with TTLs,
// leader locks bound to leases and long-poll watches, served over HTTP.
// In-process tenants use it the way real workloads do: leader election per
// shard, leases held by batch jobs for as long as they run, config polling.
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

	store := newLeaseStore()
	go store.reapLoop(ctx, 250*time.Millisecond)
	go store.compactLoop(ctx)

	api := &leaseAPI{store: store, maxWait: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	hs := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("lease-keeper on %s", ln.Addr())

	cl := newLeaseClient("http://" + ln.Addr().String())
	r := newRoster(cl, store, 22)
	go r.run(ctx)
	go r.configChurn(ctx)
	go reportStats(ctx, store, r, 20*time.Second)

	<-ctx.Done()
}
