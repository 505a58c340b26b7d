// Command j-shard-lock runs a sharded lock service and the applications
// that use it, all in one process on loopback. Three lockd shards each own
// the locks whose keys hash to them; an acquire parks on the shard until
// the lock is free or the caller's wait runs out, and a granted lock
// expires unless its holder renews it within its TTL.
//
// The users: a ledger whose transfer workers lock both accounts of a
// transfer at once under a transaction budget, reconcilers that settle
// hot accounts, schedulers that elect a leader per service with long
// blocking acquires, and compactors that run one job per region under a
// lease with a maximum lifetime.
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

	var shards []*shard
	var addrs []string
	for i := 0; i < 3; i++ {
		s := newShard(i)
		shards = append(shards, s)
		addrs = append(addrs, serve(s.name, s.routes()))
		go s.journalStalls(ctx)
	}

	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 96, IdleConnTimeout: 60 * time.Second}

	ledger := newLedger(newClient("ledger", addrs, tr), 600, 8)
	go ledger.run(ctx)

	sched := newElections(newClient("scheduler", addrs, tr))
	go sched.run(ctx)

	comp := newCompactors(newClient("compactor", addrs, tr))
	go comp.run(ctx)

	go func() {
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			var held, waiting, granted, expired int64
			for _, s := range shards {
				st := s.table.stats()
				held += st.held
				waiting += st.waiting
				granted += st.granted
				expired += st.expired
			}
			log.Printf("stats: locks held=%d waiting=%d granted=%d expired=%d | ledger workers=%d transfers=%d timeouts=%d busy=%d settlements=%d | elections groups=%d candidates=%d leaders=%d terms=%d | compaction running=%d done=%d aborted=%d",
				held, waiting, granted, expired,
				ledger.workers.Load(), ledger.transfers.Load(), ledger.timeouts.Load(), ledger.busy.Load(), ledger.settlements.Load(),
				sched.groups.Load(), sched.candidates.Load(), sched.leaders.Load(), sched.terms.Load(),
				comp.running.Load(), comp.done.Load(), comp.aborted.Load())
		}
	}()

	<-ctx.Done()
}

func serve(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	log.Printf("%s listening on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}
