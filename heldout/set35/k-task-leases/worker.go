package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

var errInputMissing = errors.New("input missing")

// workerPool holds the counters shared by every worker.
type workerPool struct {
	coord *coordClient
	blobs *blobClient

	workers, busy                                 atomic.Int64
	claims, emptyClaims, jobsOK, jobsFailed, lost atomic.Int64
	prepFailed, heartbeats                        atomic.Int64
}

type worker struct {
	id        string
	queue     string
	claimWait time.Duration
	pool      *workerPool
}

func (p *workerPool) start(ctx context.Context, queue string, n int) {
	p.workers.Add(1)
	w := &worker{
		id:        fmt.Sprintf("%s/w%d", queue, n),
		queue:     queue,
		claimWait: jitter(12*time.Second, 25*time.Second),
		pool:      p,
	}
	go w.run(ctx)
}

func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		g, err := w.pool.coord.claim(ctx, w.queue, w.claimWait)
		w.pool.claims.Add(1)
		switch {
		case errors.Is(err, errUnavailable):
			sleepCtx(ctx, jitter(400*time.Millisecond, 1500*time.Millisecond))
		case err != nil:
			if ctx.Err() == nil {
				log.Printf("%s: claim: %v", w.id, err)
			}
			sleepCtx(ctx, 2*time.Second)
		case g == nil:
			w.pool.emptyClaims.Add(1)
		default:
			w.pool.busy.Add(1)
			w.execute(ctx, g)
			w.pool.busy.Add(-1)
		}
	}
}

// keepLease starts renewing the lease in the background.
func (w *worker) keepLease(ctx context.Context, g *Grant) *heartbeat {
	hb := newHeartbeat(w.pool.coord, g.Lease, g.TTL)
	w.pool.heartbeats.Add(1)
	go hb.loop(ctx)
	return hb
}

func (w *worker) execute(ctx context.Context, g *Grant) {
	job := &g.Job
	// Renew from the start: inputs from the cold tier can take longer
	// than the TTL to arrive, and a lease that expires while we are
	// still downloading gets the job handed to someone else.
	hb := w.keepLease(ctx, g)

	input, err := w.loadInput(ctx, job)
	if err != nil {
		w.pool.prepFailed.Add(1)
		retry := !errors.Is(err, errInputMissing)
		if ferr := w.pool.coord.fail(ctx, g.Lease, retry); ferr != nil && ctx.Err() == nil {
			log.Printf("%s: report failure of %s: %v", w.id, job.ID, ferr)
		}
		return
	}
	defer hb.stop()

	jctx, cancel := context.WithTimeout(ctx, job.Deadline)
	defer cancel()
	err = w.runJob(jctx, hb, job, input)
	switch {
	case err == nil:
		if err := w.pool.coord.complete(ctx, g.Lease); err != nil && ctx.Err() == nil {
			log.Printf("%s: complete %s: %v", w.id, job.ID, err)
		}
		w.pool.jobsOK.Add(1)
	case errors.Is(err, errLeaseGone):
		// The coordinator gave the job to someone else; nothing to report.
		w.pool.lost.Add(1)
	default:
		w.pool.jobsFailed.Add(1)
		w.pool.coord.fail(ctx, g.Lease, true)
	}
}

// loadInput downloads the job's input, trying twice with a short budget
// each time.
func (w *worker) loadInput(ctx context.Context, job *Job) ([]byte, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			if serr := sleepCtx(ctx, jitter(200*time.Millisecond, 600*time.Millisecond)); serr != nil {
				return nil, serr
			}
		}
		actx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
		var body []byte
		body, err = w.pool.blobs.get(actx, job.Input)
		cancel()
		if err == nil {
			return body, nil
		}
		if strings.Contains(err.Error(), http.StatusText(http.StatusNotFound)) {
			return nil, fmt.Errorf("%s: %w", job.Input, errInputMissing)
		}
	}
	return nil, err
}

// runJob runs the job's steps one after another. Each step runs in its
// own goroutine so the runner can give up on it as soon as the lease is
// lost or the job's deadline passes.
func (w *worker) runJob(ctx context.Context, hb *heartbeat, job *Job, input []byte) error {
	for i := 0; i < job.Steps; i++ {
		res := make(chan error, 1)
		go func(i int) { res <- w.step(ctx, job, i) }(i)
		select {
		case err := <-res:
			if err != nil {
				return err
			}
		case <-hb.lost:
			return errLeaseGone
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return w.pool.blobs.put(ctx, "out/"+job.ID, len(input)/2+512)
}

func (w *worker) step(ctx context.Context, job *Job, i int) error {
	d := jitter(job.StepTime*3/4, job.StepTime*5/4)
	if job.Kind == "transcode" && i == job.Steps-1 {
		// Muxing the final segment is the slow part.
		d *= 2
	}
	return sleepCtx(ctx, d)
}
