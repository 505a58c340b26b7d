// Command j-rate-quota is a quota service. Tenants have consumable API
// and export quotas that refill on a tick and reset at the end of every
// window; shared render and OCR slots are handed out as leases with a
// maximum lifetime. A caller that cannot be served at once is queued and
// its request held until quota frees up or its wait budget runs out.
// Dashboards long-poll for window resets.
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

	sched := newResetScheduler()
	go sched.run(ctx)
	srv := newQuotaServer(sched)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	hs := &http.Server{
		Handler:           srv.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("serve: %v", err)
		}
	}()
	log.Printf("quota service on %s", ln.Addr())
	go srv.report(ctx, 10*time.Second)

	lg := newLoadgen("http://" + ln.Addr().String())
	go lg.run(ctx)

	<-ctx.Done()
}
