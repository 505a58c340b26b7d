// Command l-lease-broker is a lease broker speaking a line protocol over
// TCP: named leases with TTLs, FIFO queues of acquirers parked behind the
// holder, and long-poll watches. In-process tenants use it for shard
// ownership and leader election, and cron bursts for global job locks.
package main

import (
	"context"
	"log"
	"net"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	table := newLeaseTable()
	go table.checkpointLoop(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	b := newBroker(table)
	go b.serve(ctx, ln)
	addr := ln.Addr().String()
	log.Printf("lease broker on %s", addr)

	stats := &clientStats{}
	progress := newProgressStore()
	r := newRoster(addr, progress, stats)
	go r.run(ctx)
	go cronBursts(ctx, addr, stats)
	go report(ctx, table, b, r, stats)

	<-ctx.Done()
}

func report(ctx context.Context, t *leaseTable, b *broker, r *roster, st *clientStats) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ts := t.snapshot()
		live, acc, dropped := b.sessionCount()
		log.Printf("tenants=%d sessions=%d/%d held=%d parked=%d granted=%d handoffs=%d expired=%d timeouts=%d dropped=%d | terms=%d lost=%d quarantined=%d watching=%d leaderTerms=%d cron=%d/%d",
			r.size(), live, acc, ts.Held, ts.Parked, ts.Granted, ts.Handoffs, ts.Expired, ts.Timeouts, dropped,
			atomic.LoadInt64(&st.terms), atomic.LoadInt64(&st.lost), atomic.LoadInt64(&st.quarantined),
			atomic.LoadInt64(&st.watching), atomic.LoadInt64(&st.leaderTerms),
			atomic.LoadInt64(&st.cronRuns), atomic.LoadInt64(&st.cronTimeouts))
	}
}
