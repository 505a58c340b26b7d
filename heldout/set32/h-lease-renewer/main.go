// Command h-lease-renewer is a small lock/lease service. Clients acquire
// a named lease over HTTP and keep it alive with a renewal goroutine until
// they release it; the server expires leases that stop being renewed. In
// the same process run the client side: a pool of workers that lock a
// partition key for each job, and two leader elections whose winners hold
// their lease for the whole run.
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

	table := newLeaseTable()
	go table.janitor(ctx, 500*time.Millisecond)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           newLeaseAPI(table),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       45 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("lease service listening on %s", base)

	transport := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	locks := NewLockClient(ctx, base, "partition-workers", transport)

	for _, role := range []string{"scheduler", "compactor"} {
		for i := 0; i < 2; i++ {
			e := &elector{
				role:   role,
				locks:  NewLockClient(ctx, base, role+"-candidate", transport),
				ttl:    6 * time.Second,
				period: 3 * time.Second,
				id:     i,
			}
			go e.campaign(ctx)
		}
	}

	pool := newWorkerPool(locks, 10)
	go pool.run(ctx)
	gen := newLoadGen(pool)
	go gen.run(ctx)

	go reportStats(ctx, table, locks, pool, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, t *leaseTable, c *LockClient, p *workerPool, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			st := t.stats()
			cs := c.stats()
			ps := p.stats()
			log.Printf("stats: held=%d granted=%d conflicts=%d expired=%d released=%d | client renewals=%d renew_errors=%d release_errors=%d | jobs done=%d failed=%d busy=%d",
				st.held, st.granted, st.conflicts, st.expired, st.released,
				cs.renewals, cs.renewErrors, cs.releaseErrors, ps.done, ps.failed, ps.busy)
		}
	}
}
