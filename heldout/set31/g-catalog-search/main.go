// Command g-catalog-search is a sharded product-catalog search service.
// Queries are scattered to every shard and gathered under a deadline;
// meanwhile partition consumers stream catalog updates into a bounded
// indexing queue that a small worker pool applies to the shards.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

const (
	numShards         = 6
	initialPartitions = 3
	maxPartitions     = 18
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	idx := NewIndex(numShards, 4000)
	ing := StartIngest(ctx, idx, 3, 8)
	for p := 0; p < initialPartitions; p++ {
		ing.AddPartition(ctx, p)
	}
	go growPartitions(ctx, ing, 9*time.Second)

	svc := &searchService{idx: idx, timeout: 150 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("/search", svc.handleSearch)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]interface{}{"search": svc.snapshot(), "ingest": ing.snapshot()})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("catalog search on %s", ln.Addr())

	lg := newLoadGen("http://" + ln.Addr().String())
	go lg.run(ctx)

	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for range t.C {
			s, in := svc.snapshot(), ing.snapshot()
			log.Printf("search: reqs=%d partial=%d shardErrs=%d | ingest: partitions=%d batches=%d docs=%d queued=%d",
				s.Requests, s.Partial, s.ShardErrors, in.Partitions, in.Batches, in.Docs, in.Queued)
		}
	}()

	<-ctx.Done()
}

// growPartitions simulates the topic being repartitioned upward as the
// catalog grows.
func growPartitions(ctx context.Context, ing *Ingester, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	next := initialPartitions
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if next >= maxPartitions {
				return
			}
			ing.AddPartition(ctx, next)
			log.Printf("partition %d assigned", next)
			next++
		}
	}
}
