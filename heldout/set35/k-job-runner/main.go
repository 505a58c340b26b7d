// Command k-job-runner is a multi-tenant background job service. Tenants
// submit reports, reindexes and compactions over HTTP; a short lane and a
// long lane of workers run them under per-job deadlines, every running job
// keeps a lease renewed in the lease table, and the worker pools grow with
// the queue depth.
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

	store := newJobStore()
	go store.janitor(ctx, 30*time.Second)

	leases := newLeaseTable(3 * time.Second)
	go leases.watchExpiry(ctx, store)

	router := newShardRouter(16, []string{"idx-a", "idx-b", "idx-c", "idx-d"})
	go router.rebalance(ctx)

	r := newRunner(store, leases, router, runnerConfig{
		shortQueue: 96,
		longQueue:  24,
		minShort:   4,
		maxShort:   120,
		minLong:    2,
		maxLong:    14,
		shortIdle:  12 * time.Second,
		scaleEvery: time.Second,
	})
	r.start(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	api := &apiServer{store: store, runner: r}
	srv := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("api: %v", err)
		}
	}()
	log.Printf("job runner listening on %s", ln.Addr())

	fleet := newTenantFleet("http://"+ln.Addr().String(), fleetConfig{
		initial:     3,
		max:         28,
		onboardStep: 4 * time.Second,
	})
	go fleet.run(ctx)
	go fleet.monthEnd(ctx, 20*time.Second)

	go reportStats(ctx, r, store, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, r *runner, s *jobStore, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			short, long := r.workerCounts()
			qs, ql := r.queueDepths()
			c := s.counts()
			log.Printf("stats: workers short=%d long=%d queued short=%d long=%d jobs=%v", short, long, qs, ql, c)
		}
	}
}
