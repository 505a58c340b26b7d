package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"
)

type stats struct {
	workers         atomic.Int64
	keepers         atomic.Int64
	syncs           atomic.Int64
	syncErrors      atomic.Int64
	renewFailures   atomic.Int64
	cpRenewRejected atomic.Int64
	rpcs            atomic.Int64
	changes         atomic.Int64
	apiErrors       atomic.Int64
}

func (s *stats) report(ctx context.Context, every time.Duration, roster *tenantRoster) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("stats: tenants=%d workers=%d keepers=%d syncs=%d syncErr=%d renewFail=%d rpcs=%d changes=%d apiErr=%d",
				roster.size(), s.workers.Load(), s.keepers.Load(), s.syncs.Load(), s.syncErrors.Load(),
				s.renewFailures.Load(), s.rpcs.Load(), s.changes.Load(), s.apiErrors.Load())
		}
	}
}
