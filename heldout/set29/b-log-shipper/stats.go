package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"
)

// Stats are the shipper's counters.
type Stats struct {
	linesRead        int64
	parseErrors      int64
	cacheHits        int64
	cacheMisses      int64
	lookupErrors     int64
	batchesShipped   int64
	batchesDropped   int64
	recordsShipped   int64
	retries          int64
	collectorRecords int64
}

func (s *Stats) report(ctx context.Context, logger *log.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			logger.Printf("lines=%d parse_err=%d hits=%d misses=%d lookup_err=%d shipped=%d/%d dropped=%d retries=%d collected=%d",
				atomic.LoadInt64(&s.linesRead), atomic.LoadInt64(&s.parseErrors),
				atomic.LoadInt64(&s.cacheHits), atomic.LoadInt64(&s.cacheMisses), atomic.LoadInt64(&s.lookupErrors),
				atomic.LoadInt64(&s.batchesShipped), atomic.LoadInt64(&s.recordsShipped),
				atomic.LoadInt64(&s.batchesDropped), atomic.LoadInt64(&s.retries),
				atomic.LoadInt64(&s.collectorRecords))
		}
	}
}
