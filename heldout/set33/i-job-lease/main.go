// Command i-job-lease is a small job queue. Producers enqueue jobs over
// HTTP; workers long-poll for a job and get it under a lease with a
// deadline, renew the lease while a long job runs, and ack or nack it
// when done. A job whose lease runs out is handed to another worker. In
// the same process run the producers, an autoscaled worker pool, and the
// partner endpoints that webhook jobs call.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	q := newJobQueue(5)
	leases := newLeaseManager(q)
	api := &queueAPI{q: q, leases: leases, maxWait: 30 * time.Second, maxTTL: 30 * time.Second}

	queueAddr := serve("queue", api.routes())
	pt := newPartner()
	partnerAddr := serve("partner", pt)

	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64, IdleConnTimeout: 60 * time.Second}
	qc := &queueClient{base: queueAddr, hc: &http.Client{Transport: tr}}

	pool := newWorkerPool(qc, partnerAddr, tr)
	go pool.run(ctx)

	prod := newProducer(qc)
	go prod.run(ctx)

	go func() {
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				qs, ls := q.stats(), leases.stats()
				log.Printf("stats: queue ready=%d delayed=%d waiting=%d enq=%d retried=%d buried=%d | leases active=%d granted=%d done=%d failed=%d expired=%d renewed=%d | workers=%d done=%d failed=%d lost=%d | sent=%d partner=%d",
					qs.Ready, qs.Delayed, qs.Waiting, qs.Enqueued, qs.Retried, qs.Buried,
					ls.Active, ls.Granted, ls.Completed, ls.Failed, ls.Expired, ls.Renewed,
					pool.workers(), atomic.LoadInt64(&pool.done), atomic.LoadInt64(&pool.failed), atomic.LoadInt64(&pool.lost),
					atomic.LoadInt64(&prod.sent), atomic.LoadInt64(&pt.hits))
			}
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
