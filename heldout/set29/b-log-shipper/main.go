// b-log-shipper tails synthetic application logs from a changing set of
// sources, runs them through a parse -> enrich -> batch -> ship pipeline and
// POSTs newline-delimited JSON batches to a collector listening on loopback.
// Sources are added over time and periodically rotated (reopened), the parser
// pool is resized by a config reloader, batches are flushed on size or age,
// and shipping retries with exponential backoff when the collector sheds load.
//
// Bug: on a host-metadata cache miss the enricher hedges the lookup across
// three resolver replicas and returns as soon as the first one answers. The
// results channel is unbuffered, so the slower replicas block forever on
// their send: two goroutines leak per successful miss. Misses come from TTL
// expiry, fleet churn and occasional deploys (bursts), roughly 0.5-3/s.
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
	logger := log.New(os.Stderr, "log-shipper ", log.LstdFlags|log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	stats := &Stats{}

	collector, err := StartCollector("127.0.0.1:0", stats)
	if err != nil {
		logger.Fatalf("collector: %v", err)
	}

	fleet := NewFleet()
	go fleet.run(ctx)

	lines := make(chan Line, 256)
	records := make(chan Record, 128)
	enriched := make(chan Record, 128)
	batches := make(chan []Record, 4)

	sources := NewSourceManager(lines, fleet, stats, logger)
	go sources.run(ctx)

	parsers := NewParserPool(lines, records, stats)
	parsers.Resize(2)
	go reloadConfig(ctx, parsers, logger)

	enricher := NewEnricher(stats, []*Resolver{
		{name: "meta-a", baseLatency: 4 * time.Millisecond},
		{name: "meta-b", baseLatency: 7 * time.Millisecond},
		{name: "meta-c", baseLatency: 12 * time.Millisecond},
	})
	go enricher.janitor(ctx, 5*time.Second)
	for i := 0; i < 2; i++ {
		go enricher.run(ctx, records, enriched)
	}

	b := &Batcher{maxSize: 256, maxAge: time.Second}
	go b.run(ctx, enriched, batches)

	shipper := NewShipper("http://"+collector.Addr()+"/v1/ingest", stats, logger)
	for i := 0; i < 2; i++ {
		go shipper.run(ctx, batches)
	}

	go stats.report(ctx, logger, 15*time.Second)

	select {}
}

// reloadConfig simulates a config file that is re-read periodically; the
// parser worker count follows the configured value.
func reloadConfig(ctx context.Context, parsers *ParserPool, logger *log.Logger) {
	sizes := []int{2, 3, 4, 3, 2, 4}
	t := time.NewTicker(17 * time.Second)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := sizes[i%len(sizes)]
		if n != parsers.Size() {
			logger.Printf("config reload: parser workers %d -> %d", parsers.Size(), n)
			parsers.Resize(n)
		}
	}
}
