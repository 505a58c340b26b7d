// b-metrics-rollup aggregates metric samples pushed by tenant agents into
// 5-second rollup windows and uploads them to long-term storage.
//
// Agents join over the first minute or two (and occasionally restart); each
// is a rate-limited producer with periodic traffic spikes. Samples are
// aggregated by a supervised worker pool that scales with ingest queue depth
// and retires workers when utilization drops. Each tenant has an accountant
// goroutine enforcing its quota; it is retired when the tenant goes quiet.
// When a window closes, the shards are rolled up in parallel with a
// hand-written errgroup (first error cancels the rest, whole rollup retried
// with exponential backoff), then the result is uploaded in chunks, one
// goroutine per chunk with retries and backoff, bounded by an upload
// semaphore. Storage has short outages, during which uploads pile up in
// backoff until they succeed or hit their deadline and are spooled for a
// replay daemon.
//
// No leak: all goroutine sets are bounded and drain.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	logger := log.New(os.Stderr, "metrics-rollup ", log.LstdFlags|log.Lmicroseconds)
	ctx := context.Background()

	ingest := make(chan Sample, 2048)
	agg := NewAggregator(16)
	quotas := NewQuotaBook(logger)

	pool := &Supervisor{in: ingest, agg: agg, quotas: quotas, min: 2, max: 24}
	go pool.run(ctx, 250*time.Millisecond)

	store := NewStore(logger)
	go store.outages(ctx)
	uploader := NewUploader(store, 4, logger)
	go uploader.replayLoop(ctx, 11*time.Second)

	roller := &Roller{agg: agg, up: uploader, logger: logger}
	go roller.run(ctx, 5*time.Second)

	go agents(ctx, ingest, logger)

	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for range t.C {
			logger.Printf("workers=%d queue=%d tenants=%d uploads_inflight=%d spooled=%d windows=%d written=%d",
				pool.Size(), len(ingest), quotas.Len(), uploader.Inflight(), uploader.Spooled(), roller.Windows(), store.Written())
		}
	}()

	select {}
}
