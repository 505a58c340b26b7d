// Command k-tenant-sync keeps a local copy of every tenant's configuration
// in step with the control plane. Each onboarded tenant has a sync worker
// that, on a schedule or when an admin change arrives, takes the tenant's
// sync lease, pulls the config shards in parallel, applies them, and
// releases the lease. A background keeper renews the lease while a sync
// runs.
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

	st := &stats{}

	cpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("control plane listen: %v", err)
	}
	cp := newControlPlane(st)
	go cp.serve(ctx, cpLn)
	go cp.reapLeases(ctx, 2*time.Second)
	go cp.chaos(ctx)

	client := newCPClient(cpLn.Addr().String(), 16, st)
	store := newConfigStore()

	roster := &tenantRoster{
		cp:      client,
		store:   store,
		stats:   st,
		workers: make(map[string]*tenantWorker),
	}
	go roster.run(ctx, 4, 36, 4*time.Second)

	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("admin listen: %v", err)
	}
	api := &adminAPI{cp: client, roster: roster, store: store, stats: st}
	srv := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(adminLn); err != nil && err != http.ErrServerClosed {
			log.Printf("admin: %v", err)
		}
	}()
	log.Printf("control plane on %s, admin on %s", cpLn.Addr(), adminLn.Addr())

	lg := &loadGen{base: "http://" + adminLn.Addr().String(), roster: roster, stats: st}
	go lg.run(ctx)

	go st.report(ctx, 15*time.Second, roster)

	<-ctx.Done()
}
