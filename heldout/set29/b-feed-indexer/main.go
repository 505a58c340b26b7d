// b-feed-indexer keeps a product search index in sync with merchant catalog
// feeds. Merchants are onboarded over time (quickly at first, then rarely;
// the set is capped at the size of the merchant table) and each gets a feed
// poller that pulls catalog deltas on its own ticker. Deltas go to an
// autoscaling pool of index workers that grows with queue depth (promotions
// cause bursts) and shrinks again when idle. Onboarding and a periodic
// reindex job run full catalog rebuilds: one goroutine per document, released
// together through a gate channel and bounded by a shared semaphore, so
// bursts of goroutines queue on it. Index writes are committed in batches on
// size or age, and a merge daemon compacts segments.
//
// No leak: every goroutine here exits or is part of a bounded set.
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
	logger := log.New(os.Stderr, "feed-indexer ", log.LstdFlags|log.Lmicroseconds)
	ctx := context.Background()

	idx := NewIndex()
	commits := make(chan Doc, 256)
	go idx.commitLoop(ctx, commits, 100, 500*time.Millisecond)
	go idx.mergeLoop(ctx, 10*time.Second)

	updates := make(chan Update, 1024)
	pool := NewPool(updates, commits, 1, 16, 3*time.Second)
	go pool.autoscale(ctx, 200*time.Millisecond)

	rebuilder := NewRebuilder(commits, 8)
	reg := NewRegistry(updates, rebuilder, logger)
	go reg.run(ctx)
	go reg.promotions(ctx)
	go rebuilder.scheduled(ctx, reg)

	go report(ctx, logger, idx, pool, reg, 15*time.Second)

	select {}
}

func report(ctx context.Context, logger *log.Logger, idx *Index, pool *Pool, reg *Registry, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			docs, segs, commits := idx.Stats()
			logger.Printf("merchants=%d workers=%d queue=%d docs=%d segments=%d commits=%d",
				reg.Len(), pool.Size(), pool.QueueLen(), docs, segs, commits)
		}
	}
}
