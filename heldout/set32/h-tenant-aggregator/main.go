// Command h-tenant-aggregator is a multi-tenant analytics service. Every
// tenant that signs up gets its own aggregator goroutine, which folds the
// tenant's ingested events into per-metric rollups, answers queries, and
// pushes a rollup per window to the warehouse exporter. Queries fan out to
// the aggregators of the tenants they cover and gather under a deadline.
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

	wh := newWarehouse()
	go wh.stalls(ctx)
	whAddr, err := serveOn(wh)
	if err != nil {
		log.Fatalf("warehouse: %v", err)
	}

	exp := newRollupExporter("http://"+whAddr, 12)
	exp.Start(ctx)

	reg := newRegistry(ctx, exp, 2*time.Second)
	for _, name := range []string{"acme", "globex", "initech", "umbrella"} {
		reg.SignUp(name, planFor(name))
	}
	planner := &queryPlanner{deadline: 400 * time.Millisecond}
	api := &apiServer{reg: reg, planner: planner, ingestWait: 300 * time.Millisecond}
	go api.reportLoop(ctx, 10*time.Second, exp)

	addr, err := serveOn(api.routes())
	if err != nil {
		log.Fatalf("api: %v", err)
	}
	log.Printf("api on %s, warehouse on %s", addr, whAddr)

	lg := newLoadGen("http://"+addr, reg.Names())
	go lg.run(ctx)
	go lg.signups(ctx, 44)

	<-ctx.Done()
}

func serveOn(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("serve %s: %v", ln.Addr(), err)
		}
	}()
	return ln.Addr().String(), nil
}
