package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"time"
)

// job processes one partition of one tenant; it must hold the partition's
// lease while it runs and finish within its budget.
type job struct {
	tenant    int
	partition int
	items     int
	budget    time.Duration
}

func (j job) key() string { return fmt.Sprintf("tenant-%03d/partition-%02d", j.tenant, j.partition) }

type workerPool struct {
	locks *LockClient
	size  int
	jobs  chan job

	mu                 sync.Mutex
	done, failed, busy int
	lastErrLog         time.Time
}

type poolStats struct{ done, failed, busy int }

func newWorkerPool(locks *LockClient, size int) *workerPool {
	return &workerPool{locks: locks, size: size, jobs: make(chan job)}
}

func (p *workerPool) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < p.size; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			p.worker(ctx, id)
		}(i)
	}
	wg.Wait()
}

func (p *workerPool) worker(ctx context.Context, id int) {
	rnd := rand.New(rand.NewSource(time.Now().UnixNano() + int64(id)))
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-p.jobs:
			err := p.runJob(ctx, rnd, j)
			p.record(j, err)
		}
	}
}

func (p *workerPool) runJob(parent context.Context, rnd *rand.Rand, j job) error {
	ctx, cancel := context.WithTimeout(parent, j.budget)
	defer cancel()

	var lease *Lease
	for attempt := 0; ; attempt++ {
		var err error
		lease, err = p.locks.Acquire(ctx, j.key(), 4500*time.Millisecond)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrLeaseHeld) || attempt == 2 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(80+rnd.Intn(120)) * time.Millisecond):
		}
	}
	defer func() {
		if err := lease.Release(ctx); err != nil {
			p.logf("job %s: %v", j.key(), err)
		}
	}()
	return processPartition(ctx, rnd, lease, j)
}

// processPartition stands in for the real work: items are handled one by
// one, each taking a variable time, and the job stops early if its budget
// runs out or the lease is lost.
func processPartition(ctx context.Context, rnd *rand.Rand, lease *Lease, j job) error {
	total := 150*time.Millisecond + time.Duration(rnd.ExpFloat64()*float64(380*time.Millisecond))
	per := total / time.Duration(j.items)
	step := time.NewTimer(per)
	defer step.Stop()
	for i := 0; i < j.items; i++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("partition %s: item %d/%d: %w", j.key(), i, j.items, ctx.Err())
		case <-lease.Lost():
			return fmt.Errorf("partition %s: lease lost", j.key())
		case <-step.C:
			step.Reset(per)
		}
	}
	return nil
}

func (p *workerPool) record(j job, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil:
		p.done++
	case errors.Is(err, ErrLeaseHeld):
		p.busy++
	default:
		p.failed++
	}
}

func (p *workerPool) logf(format string, args ...interface{}) {
	p.mu.Lock()
	quiet := time.Since(p.lastErrLog) < 2*time.Second
	if !quiet {
		p.lastErrLog = time.Now()
	}
	p.mu.Unlock()
	if !quiet {
		log.Printf(format, args...)
	}
}

func (p *workerPool) stats() poolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolStats{p.done, p.failed, p.busy}
}

// loadGen submits partition jobs at a rate that ramps over the run, with a
// short burst (end-of-window catch-up) every 25 s.
type loadGen struct {
	pool  *workerPool
	start time.Time
	rnd   *rand.Rand
}

func newLoadGen(p *workerPool) *loadGen {
	return &loadGen{pool: p, start: time.Now(), rnd: rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x1ea5e))}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 4 + el*0.05
	if int(el)%25 < 3 {
		r *= 2
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	const step = 100 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		carry += g.rate() * step.Seconds()
		for ; carry >= 1; carry-- {
			j := job{
				tenant:    g.rnd.Intn(24),
				partition: g.rnd.Intn(12),
				items:     4 + g.rnd.Intn(12),
				budget:    1500 * time.Millisecond,
			}
			select {
			case g.pool.jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}
}
