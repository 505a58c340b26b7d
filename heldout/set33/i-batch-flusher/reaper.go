package main

import (
	"context"
	"sync/atomic"
	"time"
)

// reapIdle retires the batchers of streams that went quiet, so that the
// map only holds streams that are still producing. Whatever a retired
// batcher still buffered is flushed right away.
func (m *Batcher) reapIdle(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, b := range m.idleStreams(now) {
				recs, bytes := b.retire()
				atomic.AddInt64(&m.retired, 1)
				if len(recs) > 0 {
					m.handOff(batch{stream: b.key, recs: recs, bytes: bytes, reason: flushRetire, made: now})
				}
			}
		}
	}
}
