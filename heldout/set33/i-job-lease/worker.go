package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	leaseWait   = 20 * time.Second
	shortTTL    = 5 * time.Second
	reportTTL   = 4 * time.Second
	idleRetire  = 3 // empty long-polls in a row before a surplus worker leaves
	minWorkers  = 4
	maxWorkers  = 24
	reportLimit = 15 * time.Second
)

var errTransient = errors.New("transient failure")

// workerPool runs the consumers. An autoscaler adds workers while the
// backlog grows; surplus workers retire after sitting idle in the
// long-poll for a while.
type workerPool struct {
	qc      *queueClient
	partner string
	webhook *http.Client

	mu   sync.Mutex
	size int
	seq  int
	wg   sync.WaitGroup

	done, failed, lost int64
}

func newWorkerPool(qc *queueClient, partner string, tr http.RoundTripper) *workerPool {
	return &workerPool{
		qc:      qc,
		partner: partner,
		webhook: &http.Client{Transport: tr, Timeout: 2 * time.Second},
	}
}

func (p *workerPool) run(ctx context.Context) {
	for i := 0; i < minWorkers; i++ {
		p.add(ctx)
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.wg.Wait()
			return
		case <-tick.C:
			st, err := p.qc.Stats(ctx)
			if err != nil {
				continue
			}
			p.mu.Lock()
			n := p.size
			p.mu.Unlock()
			if st.Queue.Ready > 2*n && n < maxWorkers {
				p.add(ctx)
				p.add(ctx)
			} else if st.Queue.Ready > n && n < maxWorkers {
				p.add(ctx)
			}
		}
	}
}

func (p *workerPool) add(ctx context.Context) {
	p.mu.Lock()
	if p.size >= maxWorkers {
		p.mu.Unlock()
		return
	}
	p.size++
	p.seq++
	w := &worker{
		pool: p,
		name: fmt.Sprintf("worker-%02d", p.seq),
		rnd:  rand.New(rand.NewSource(time.Now().UnixNano() + int64(p.seq))),
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		w.run(ctx)
	}()
}

// retire lets a worker leave if the pool is above its floor.
func (p *workerPool) retire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.size <= minWorkers {
		return false
	}
	p.size--
	return true
}

func (p *workerPool) workers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

type worker struct {
	pool *workerPool
	name string
	rnd  *rand.Rand
}

func (w *worker) run(ctx context.Context) {
	idle := 0
	for ctx.Err() == nil {
		g, err := w.pool.qc.Lease(ctx, w.name, leaseWait, w.ttlFor())
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			pause(ctx, time.Second)
			continue
		}
		if g == nil {
			idle++
			if idle >= idleRetire && w.pool.retire() {
				return
			}
			continue
		}
		idle = 0
		w.process(ctx, g)
	}
}

// ttlFor asks for the short TTL; report jobs are renewed while they run.
func (w *worker) ttlFor() time.Duration { return shortTTL }

func (w *worker) process(ctx context.Context, g *leaseGrant) {
	var (
		jobCtx context.Context
		cancel context.CancelFunc
	)
	if g.Job.Kind == "report" {
		// Reports renew their lease and get a fixed budget instead.
		jobCtx, cancel = context.WithTimeout(ctx, reportLimit)
	} else {
		// Stop a little before the lease runs out so the nack arrives in time.
		jobCtx, cancel = context.WithDeadline(ctx, g.Deadline.Add(-300*time.Millisecond))
	}
	defer cancel()

	var renewals sync.WaitGroup
	stopRenew := make(chan struct{})
	if g.Job.Kind == "report" {
		renewals.Add(1)
		go func() {
			defer renewals.Done()
			w.keepLease(jobCtx, g, stopRenew)
		}()
	}

	err := w.execute(jobCtx, g.Job)
	close(stopRenew)
	renewals.Wait()

	if err == nil {
		err = w.pool.qc.Ack(ctx, g.LeaseID, w.name)
		if err == nil {
			atomic.AddInt64(&w.pool.done, 1)
		}
	} else {
		atomic.AddInt64(&w.pool.failed, 1)
		err = w.pool.qc.Nack(ctx, g.LeaseID, w.name, err.Error())
	}
	if errors.Is(err, errLeaseLost) {
		// The queue already gave the job to someone else.
		atomic.AddInt64(&w.pool.lost, 1)
	} else if err != nil && ctx.Err() == nil {
		log.Printf("%s: finishing %s: %v", w.name, g.Job.ID, err)
	}
}

// keepLease renews a long job's lease every third of its TTL until the
// job ends.
func (w *worker) keepLease(ctx context.Context, g *leaseGrant, stop <-chan struct{}) {
	t := time.NewTicker(reportTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.pool.qc.Renew(ctx, g.LeaseID, w.name, reportTTL); errors.Is(err, errLeaseLost) {
				return
			}
		}
	}
}

func (w *worker) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(w.rnd.Int63n(int64(hi-lo)+1))
}

func (w *worker) execute(ctx context.Context, j *Job) error {
	switch j.Kind {
	case "thumbnail":
		if w.rnd.Intn(1000) < 12 {
			// A pathological image: the decoder doesn't look at the context
			// and runs past the lease.
			time.Sleep(w.between(5500*time.Millisecond, 7*time.Second))
			return nil
		}
		return pause(ctx, w.between(200*time.Millisecond, 800*time.Millisecond))
	case "email":
		if err := pause(ctx, w.between(50*time.Millisecond, 300*time.Millisecond)); err != nil {
			return err
		}
		if w.rnd.Intn(100) < 5 {
			return fmt.Errorf("smtp: 451 try again later: %w", errTransient)
		}
		return nil
	case "webhook":
		return w.deliverWebhook(ctx, j)
	case "report":
		return pause(ctx, w.between(2*time.Second, 9*time.Second))
	default:
		return fmt.Errorf("unknown job kind %q", j.Kind)
	}
}

// pause is a cancellable sleep.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *worker) deliverWebhook(ctx context.Context, j *Job) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.pool.partner+"/hooks/"+j.Payload["tenant"],
		strings.NewReader(`{"event":"`+j.Payload["event"]+`","job":"`+j.ID+`"}`))
	if err != nil {
		return err
	}
	resp, err := w.pool.webhook.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 500 {
		return fmt.Errorf("webhook: partner answered %s", resp.Status)
	}
	return nil
}
