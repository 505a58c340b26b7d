package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// renewalRun re-prices a batch of policies that come up for renewal. A
// few workers share the batch; each paces its calls to stay under the
// carriers' batch rate limits. The run waits for its workers and reports.
type renewalRun struct {
	id       int
	agg      *aggregator
	policies []quoteRequest
	workers  int

	repriced, cheaper atomic.Int64
}

func (r *renewalRun) run(ctx context.Context) {
	start := time.Now()
	work := make(chan quoteRequest)
	var wg sync.WaitGroup
	for i := 0; i < r.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(ctx, work)
		}()
	}
feed:
	for _, p := range r.policies {
		select {
		case work <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	log.Printf("renewals #%d: %d/%d repriced, %d cheaper, took %s", r.id, r.repriced.Load(), len(r.policies), r.cheaper.Load(), time.Since(start).Round(time.Second))
}

func (r *renewalRun) worker(ctx context.Context, work <-chan quoteRequest) {
	pace := newPacer(2*time.Second, 4500*time.Millisecond)
	defer pace.Stop()
	for p := range work {
		qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		cmp, err := r.agg.Quote(qctx, p)
		cancel()
		if err == nil {
			r.repriced.Add(1)
			if q, _ := cmp.best(); q != nil && roll(40) {
				r.cheaper.Add(1)
			}
		}
		select {
		case <-pace.C():
			pace.Next()
		case <-ctx.Done():
			return
		}
	}
}

// renewalDesk starts a renewal run every half minute, bigger as the
// morning's renewals pile up, and never more than three at once.
type renewalDesk struct {
	agg     *aggregator
	running atomic.Int64
	runs    int
}

func (rd *renewalDesk) schedule(ctx context.Context, started time.Time) {
	next := newPacer(8*time.Second, 10*time.Second)
	defer next.Stop()
	var all sync.WaitGroup
	defer all.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C():
		}
		next.lo, next.hi = 25*time.Second, 35*time.Second
		next.Next()
		if rd.running.Load() >= 3 {
			continue
		}
		rd.runs++
		n := 16 + int(time.Since(started)/(4*time.Second))
		run := &renewalRun{id: rd.runs, agg: rd.agg, workers: 4}
		for i := 0; i < n; i++ {
			run.policies = append(run.policies, quoteRequest{
				ID:   fmt.Sprintf("ren%d-%d", rd.runs, i),
				Line: lines[pick(len(lines))],
				Risk: 1 + pick(10),
			})
		}
		rd.running.Add(1)
		all.Add(1)
		go func() {
			defer all.Done()
			defer rd.running.Add(-1)
			run.run(ctx)
		}()
	}
}
