// Command i-batch-flusher is a log shipping front end. Agents post log
// lines per stream; every stream has a batcher that flushes when it holds
// enough records or when its flush interval ticks, and a small pool of
// sink writers delivers the batches to a slow bulk-index backend with
// per-request timeouts and retries.
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

	// The bulk-index backend (in-process, its own listener).
	wh := newWarehouse(4)
	whLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen warehouse: %v", err)
	}
	go http.Serve(whLn, wh.routes())
	go wh.stallLoop(ctx)

	sink := newSinkPool("http://"+whLn.Addr().String(), sinkConfig{
		Workers:        3,
		QueueDepth:     24,
		RequestTimeout: 1200 * time.Millisecond,
		MaxAttempts:    4,
		RetryBase:      300 * time.Millisecond,
	})
	sink.Start(ctx)

	b := NewBatcher(sink, BatcherConfig{
		MaxRecords:     96,
		MaxBytes:       64 << 10,
		FlushEvery:     750 * time.Millisecond,
		IdleTTL:        8 * time.Second,
		EnqueueTimeout: 2 * time.Second,
	})
	go b.reapIdle(ctx, 2*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	api := &ingestAPI{batcher: b}
	hs := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("ingest on %s, warehouse on %s", ln.Addr(), whLn.Addr())

	agents := newAgentFleet("http://" + ln.Addr().String())
	go agents.run(ctx)
	go reportStats(ctx, b, sink, wh, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, b *Batcher, s *sinkPool, wh *warehouse, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			bs := b.Stats()
			ss := s.Stats()
			log.Printf("stats: streams=%d created=%d retired=%d flush(size=%d timer=%d retire=%d) spilled=%d | sink delivered=%d retries=%d deadletter=%d queued=%d | warehouse docs=%d",
				bs.Streams, bs.Created, bs.Retired, bs.SizeFlushes, bs.TimerFlushes, bs.RetireFlushes, bs.Spilled,
				ss.Delivered, ss.Retries, ss.DeadLetter, ss.Queued, wh.docCount())
		}
	}
}
