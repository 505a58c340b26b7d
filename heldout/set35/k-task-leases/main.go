// Command k-task-leases runs a multi-tenant task queue and its workers in
// one process on loopback HTTP. Tenants submit thumbnail, report and
// transcode jobs to their own queue; workers long-poll the coordinator to
// claim a job, which comes with a lease that expires unless the worker
// renews it; the coordinator takes back and requeues the jobs of workers
// that go quiet. Inputs and outputs live in an object store with a cold
// tier and occasional brownouts, and the coordinator fails over to a
// standby every now and then.
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

	cd := newCoordinator(12 * time.Second)
	go cd.failovers(ctx)
	coordAddr := serve("coordinator", cd.routes())

	store := &blobStore{}
	go store.weather(ctx)
	blobAddr := serve("blobstore", store)

	tr := &http.Transport{
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	hc := &http.Client{Transport: tr}
	pool := &workerPool{
		coord: &coordClient{base: "http://" + coordAddr, hc: hc},
		blobs: &blobClient{base: "http://" + blobAddr, hc: hc},
	}
	fl := &fleet{coord: pool.coord, pool: pool, cd: cd}
	go fl.run(ctx)

	go func() {
		for sleepCtx(ctx, 10*time.Second) == nil {
			log.Printf("stats: coordinator submitted=%d granted=%d completed=%d failed=%d expired=%d requeued=%d renewals=%d gone=%d leases=%d backlog=%d | workers=%d busy=%d claims=%d empty=%d ok=%d failed=%d lost=%d prep_failed=%d heartbeats=%d | blobs reads=%d puts=%d",
				cd.submitted.Load(), cd.granted.Load(), cd.completed.Load(), cd.failed.Load(), cd.expired.Load(), cd.requeued.Load(), cd.renewals.Load(), cd.gone.Load(), cd.activeLeases(), cd.backlog(),
				pool.workers.Load(), pool.busy.Load(), pool.claims.Load(), pool.emptyClaims.Load(), pool.jobsOK.Load(), pool.jobsFailed.Load(), pool.lost.Load(), pool.prepFailed.Load(), pool.heartbeats.Load(),
				store.reads.Load(), store.puts.Load())
		}
	}()

	<-ctx.Done()
}

func serve(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: serve: %v", name, err)
		}
	}()
	log.Printf("%s listening on %s", name, ln.Addr())
	return ln.Addr().String()
}
