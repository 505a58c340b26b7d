package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

type RunnerConfig struct {
	BatchTimeout    time.Duration
	MinCoordinators int
	MaxCoordinators int
	IdleAfter       time.Duration
	IntakeSize      int
	MaxAttempts     int
}

// Step is one shard query of a batch.
type Step struct {
	Key  string
	Rows int
}

type Batch struct {
	ID       int64
	Tenant   string
	Steps    []Step
	Attempt  int
	Enqueued time.Time
}

type partial struct {
	key  string
	rows int
	sum  int64
}

type stepResult struct {
	p   partial
	err error
}

type Runner struct {
	be     *backend
	cfg    RunnerConfig
	intake chan *Batch

	mu           sync.Mutex
	coordinators int

	done, failed, timedOut, retried int64
	spawned, exited                 int64
}

func NewRunner(be *backend, cfg RunnerConfig) *Runner {
	return &Runner{be: be, cfg: cfg, intake: make(chan *Batch, cfg.IntakeSize)}
}

var errQueueFull = errors.New("intake queue full")

func (r *Runner) Enqueue(b *Batch) error {
	b.Enqueued = time.Now()
	select {
	case r.intake <- b:
		return nil
	default:
		return errQueueFull
	}
}

// Supervise keeps the number of coordinators in line with the backlog.
func (r *Runner) Supervise(ctx context.Context) {
	r.mu.Lock()
	for r.coordinators < r.cfg.MinCoordinators {
		r.spawnLocked(ctx)
	}
	r.mu.Unlock()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		backlog := len(r.intake)
		if backlog == 0 {
			continue
		}
		r.mu.Lock()
		for i := 0; i < (backlog+3)/4 && r.coordinators < r.cfg.MaxCoordinators; i++ {
			r.spawnLocked(ctx)
		}
		r.mu.Unlock()
	}
}

func (r *Runner) spawnLocked(ctx context.Context) {
	r.coordinators++
	atomic.AddInt64(&r.spawned, 1)
	go r.coordinate(ctx)
}

// coordinate takes batches off the intake queue. Every IdleAfter it looks
// at how much of that window it spent working; a coordinator that was
// mostly idle retires, as long as the pool stays above its minimum.
func (r *Runner) coordinate(ctx context.Context) {
	window := time.NewTicker(r.cfg.IdleAfter)
	defer window.Stop()
	var busy time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-r.intake:
			t0 := time.Now()
			r.process(ctx, b)
			busy += time.Since(t0)
		case <-window.C:
			util := float64(busy) / float64(r.cfg.IdleAfter)
			busy = 0
			if util > 0.3 {
				continue
			}
			r.mu.Lock()
			if r.coordinators > r.cfg.MinCoordinators {
				r.coordinators--
				r.mu.Unlock()
				atomic.AddInt64(&r.exited, 1)
				return
			}
			r.mu.Unlock()
		}
	}
}

func (r *Runner) process(ctx context.Context, b *Batch) {
	bctx, cancel := context.WithTimeout(ctx, r.cfg.BatchTimeout)
	defer cancel()
	report, err := r.RunBatch(bctx, b)
	switch {
	case err == nil:
		atomic.AddInt64(&r.done, 1)
		_ = report
	case errors.Is(err, context.DeadlineExceeded) && b.Attempt+1 < r.cfg.MaxAttempts:
		atomic.AddInt64(&r.timedOut, 1)
		atomic.AddInt64(&r.retried, 1)
		b.Attempt++
		backoff := time.Duration(200*(b.Attempt)) * time.Millisecond
		time.AfterFunc(backoff, func() {
			if r.Enqueue(b) != nil {
				atomic.AddInt64(&r.failed, 1)
			}
		})
	default:
		if errors.Is(err, context.DeadlineExceeded) {
			atomic.AddInt64(&r.timedOut, 1)
		}
		atomic.AddInt64(&r.failed, 1)
	}
}

type Report struct {
	Tenant string
	Rows   int
	Sum    int64
}

// RunBatch runs every step of b concurrently and merges the partial
// results in step order (the merge is order-sensitive for the report's
// running totals).
func (r *Runner) RunBatch(ctx context.Context, b *Batch) (*Report, error) {
	results := make([]chan stepResult, len(b.Steps))
	for i, st := range b.Steps {
		results[i] = make(chan stepResult)
		go r.execute(st, results[i])
	}
	rep := &Report{Tenant: b.Tenant}
	for i := range results {
		select {
		case res := <-results[i]:
			if res.err != nil {
				// drain the rest so their goroutines can finish
				for _, ch := range results[i+1:] {
					go func(ch chan stepResult) { <-ch }(ch)
				}
				return nil, fmt.Errorf("batch %d step %d: %w", b.ID, i, res.err)
			}
			rep.Rows += res.p.rows
			rep.Sum += res.p.sum
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return rep, nil
}

func (r *Runner) execute(st Step, out chan stepResult) {
	p, err := r.be.Query(st.Key, st.Rows)
	out <- stepResult{p: p, err: err}
}

func (r *Runner) logStats() {
	r.mu.Lock()
	c := r.coordinators
	r.mu.Unlock()
	q, stalls := r.be.stats()
	log.Printf("coordinators=%d (spawned=%d exited=%d) backlog=%d done=%d failed=%d timeout=%d retried=%d queries=%d stalls=%d",
		c, atomic.LoadInt64(&r.spawned), atomic.LoadInt64(&r.exited), len(r.intake),
		atomic.LoadInt64(&r.done), atomic.LoadInt64(&r.failed), atomic.LoadInt64(&r.timedOut),
		atomic.LoadInt64(&r.retried), q, stalls)
}
