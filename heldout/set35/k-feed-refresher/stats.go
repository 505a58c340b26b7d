package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"
)

type stats struct {
	pollers      atomic.Int64
	sessions     atomic.Int64
	fetchErrors  atomic.Int64
	thumbErrors  atomic.Int64
	thumbBytes   atomic.Int64
	items        atomic.Int64
	delivered    atomic.Int64
	dropped      atomic.Int64
	digests      atomic.Int64
	readerErrors atomic.Int64
}

func (s *stats) report(ctx context.Context, every time.Duration, roster *feedRoster) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("stats: feeds=%d pollers=%d sessions=%d items=%d delivered=%d dropped=%d digests=%d fetchErr=%d thumbErr=%d readerErr=%d",
				roster.size(), s.pollers.Load(), s.sessions.Load(), s.items.Load(), s.delivered.Load(),
				s.dropped.Load(), s.digests.Load(), s.fetchErrors.Load(), s.thumbErrors.Load(), s.readerErrors.Load())
		}
	}
}
