// d-report-jobs: the background-job service behind a reporting product.
// An HTTP API on loopback accepts jobs (email, thumbnail, webhook, reindex),
// immediately or delayed; a single-timer heap scheduler holds delayed jobs
// and retries (exponential backoff with jitter) until due, an elastic worker
// pool (3-18 workers, grows on backlog, extra workers retire when idle) runs
// them with a per-job context.WithTimeout, and exhausted jobs go to a
// dead-letter list that a redrive loop replays after a cool-off. Webhook jobs
// POST to a customer endpoint on loopback. Data exports run in their own
// goroutine, scanning a warehouse that only admits a few concurrent scans;
// dashboard exports publish progress to a board that clients long-poll. A
// cron loop runs each tenant's scheduled export, with "period close" bursts.
//
// BUG: exportJob.progress is only initialised (and drained by
// forwardProgress) on the API path in exportRunner.Start. The cron path
// builds the exportJob literal without it, so the first reportProgress of a
// scheduled export blocks forever sending on a nil channel. One goroutine
// leaks per scheduled export (~0.4/s, with bursts at every period close).
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	ctx := context.Background()

	hookURL, err := startHookReceiver()
	if err != nil {
		log.Fatalf("hook receiver: %v", err)
	}
	hookClient := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     20 * time.Second,
	}}

	board := newStatusBoard()
	go board.janitor(5*time.Second, 30*time.Second)
	q := newQueue(board, makeHandlers(hookURL, hookClient))
	q.start(ctx)
	go q.redrive(12*time.Second, 20*time.Second, 2, 50)

	exports := newExportRunner(newWarehouse(4), newProgressBoard())
	go exports.board.janitor(5*time.Second, 20*time.Second)

	var schedule []*cronEntry
	periods := []time.Duration{12, 15, 20, 20, 25, 30, 30, 40, 45, 60}
	for i, p := range periods {
		schedule = append(schedule, &cronEntry{tenant: tenants[i], every: p * time.Second, rows: 3000 + 1500*i})
	}
	go exports.cron(ctx, q, schedule)

	a := &api{ctx: ctx, q: q, board: board, exports: exports}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Fatalf("serve: %v", err)
		}
	}()

	c := &clients{
		base: "http://" + ln.Addr().String(),
		hc: &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		t0: time.Now(),
	}
	for i := 0; i < 4; i++ {
		go c.submitter(i)
	}
	for i := 0; i < 2; i++ {
		go c.exporter(i)
	}
	go c.bulk()

	go func() {
		for range time.Tick(10 * time.Second) {
			log.Printf("jobs: done=%d retried=%d dead=%d workers=%d ready=%d delayed=%d dlq=%d | exports: running=%d finished=%d failed=%d | clients: submitted=%d throttled=%d errors=%d | goroutines=%d",
				atomic.LoadInt64(&q.done), atomic.LoadInt64(&q.retried), atomic.LoadInt64(&q.dead),
				atomic.LoadInt32(&q.workers), len(q.ready), q.sched.Len(), q.dlq.len(),
				atomic.LoadInt32(&exports.running), atomic.LoadInt64(&exports.finished), atomic.LoadInt64(&exports.failed),
				atomic.LoadInt64(&c.submitted), atomic.LoadInt64(&c.throttled), atomic.LoadInt64(&c.errors),
				runtime.NumGoroutine())
		}
	}()

	select {}
}
