// Command h-batch-writer is a metrics ingestion service. Agents push
// points over HTTP; the service batches them per series, and a flusher
// writes the batches, partitioned by shard, to the storage engine's write
// API. The storage engine runs in the same process behind its own loopback
// listener and compacts its shards in the background.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

const numShards = 8

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// storage engine
	store := newStorage(numShards)
	comp := newCompactor(store, 3, 8)
	comp.start(ctx)
	storeAddr := mustServe("storage", store.routes())

	// write path
	fl := newFlusher(storeAddr, numShards, flushConfig{
		MaxPoints: 1500,
		MaxDelay:  250 * time.Millisecond,
		Timeout:   300 * time.Millisecond,
	})
	go fl.run(ctx)

	reg := newRegistry(ctx, fl.pending, batcherConfig{
		MaxSize:   32,
		Linger:    2 * time.Second,
		IdleTicks: 8,
	})

	api := &ingestAPI{reg: reg}
	ingestAddr := mustServe("ingest", api.routes())
	log.Printf("ingest on %s, storage on %s", ingestAddr, storeAddr)

	go reportStats(ctx, 10*time.Second, reg, fl, store, comp, api)

	lg := newLoadGen("http://" + ingestAddr)
	go lg.run(ctx)

	<-ctx.Done()
}

func mustServe(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	return ln.Addr().String()
}

func reportStats(ctx context.Context, every time.Duration, reg *registry, fl *flusher, st *storage, comp *compactor, api *ingestAPI) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		live, created, retired := reg.counts()
		log.Printf("ingest: %d pushes %d points; series live=%d created=%d retired=%d; flush: %d ok %d failed %d timeouts, %d points; storage: %d points %d segments; compactions: %d minor %d major",
			atomic.LoadInt64(&api.pushes), atomic.LoadInt64(&api.points),
			live, created, retired,
			atomic.LoadInt64(&fl.flushed), atomic.LoadInt64(&fl.failed), atomic.LoadInt64(&fl.timeouts), atomic.LoadInt64(&fl.points),
			st.totalPoints(), st.totalSegments(),
			atomic.LoadInt64(&comp.minor), atomic.LoadInt64(&comp.major))
	}
}
