package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"
)

var (
	errQueueFull    = errors.New("queue full")
	errUnknownKind  = errors.New("unknown job kind")
	errLeaseExpired = errors.New("lease expired")
)

type runnerConfig struct {
	shortQueue, longQueue int
	minShort, maxShort    int
	minLong, maxLong      int
	shortIdle             time.Duration
	scaleEvery            time.Duration
}

// runner owns the two lanes: short jobs (reports, reindexes) go to an
// elastic pool whose idle workers retire, compactions to a long lane whose
// workers stay for the life of the process.
type runner struct {
	cfg    runnerConfig
	store  *jobStore
	leases *leaseTable
	router *shardRouter
	short  chan *Job
	long   chan *Job

	mu     sync.Mutex
	nShort int
	nLong  int
	seq    int
}

func newRunner(store *jobStore, leases *leaseTable, router *shardRouter, cfg runnerConfig) *runner {
	return &runner{
		cfg:    cfg,
		store:  store,
		leases: leases,
		router: router,
		short:  make(chan *Job, cfg.shortQueue),
		long:   make(chan *Job, cfg.longQueue),
	}
}

func (r *runner) start(ctx context.Context) {
	for i := 0; i < r.cfg.minShort; i++ {
		r.spawnShort(ctx)
	}
	for i := 0; i < r.cfg.minLong; i++ {
		r.spawnLong(ctx)
	}
	go r.autoscale(ctx)
}

func (r *runner) enqueue(j *Job) error {
	q := r.short
	if j.Kind == "compaction" {
		q = r.long
	}
	select {
	case q <- j:
		return nil
	default:
		return errQueueFull
	}
}

func (r *runner) workerCounts() (short, long int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nShort, r.nLong
}

func (r *runner) queueDepths() (short, long int) {
	return len(r.short), len(r.long)
}

func (r *runner) spawnShort(ctx context.Context) {
	r.mu.Lock()
	r.nShort++
	r.seq++
	name := fmt.Sprintf("short-%d", r.seq)
	r.mu.Unlock()
	go r.shortWorker(ctx, name)
}

func (r *runner) spawnLong(ctx context.Context) {
	r.mu.Lock()
	r.nLong++
	r.seq++
	name := fmt.Sprintf("long-%d", r.seq)
	r.mu.Unlock()
	go r.longWorker(ctx, name)
}

// retireShort lets an idle short worker go if the pool is above its floor.
func (r *runner) retireShort() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nShort <= r.cfg.minShort {
		return false
	}
	r.nShort--
	return true
}

func (r *runner) shortWorker(ctx context.Context, name string) {
	idle := time.NewTimer(r.cfg.shortIdle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-r.short:
			r.execute(ctx, name, j)
			resetTimer(idle, r.cfg.shortIdle)
		case <-idle.C:
			if r.retireShort() {
				return
			}
			idle.Reset(r.cfg.shortIdle)
		}
	}
}

func (r *runner) longWorker(ctx context.Context, name string) {
	for r.runNextLong(ctx, name) {
	}
}

func (r *runner) runNextLong(ctx context.Context, name string) bool {
	select {
	case <-ctx.Done():
		return false
	case j := <-r.long:
		r.execute(ctx, name, j)
		return true
	}
}

// autoscale adds workers while a lane has a backlog.
func (r *runner) autoscale(ctx context.Context) {
	t := time.NewTicker(r.cfg.scaleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		short, long := r.workerCounts()
		if backlog := len(r.short); backlog > 2 && short < r.cfg.maxShort {
			add := backlog / 3
			if add < 1 {
				add = 1
			}
			for ; add > 0 && short < r.cfg.maxShort; add-- {
				r.spawnShort(ctx)
				short++
			}
		}
		if len(r.long) > 0 && long < r.cfg.maxLong {
			r.spawnLong(ctx)
			log.Printf("autoscale: long lane now %d workers", long+1)
		}
	}
}

// execute runs one job under its own deadline while holding its lease.
func (r *runner) execute(parent context.Context, worker string, j *Job) {
	ctx, cancel := context.WithTimeout(parent, j.Budget)
	defer cancel()
	release := r.leases.hold(j.ID, worker)
	defer release()

	r.store.markRunning(j.ID, worker)
	progress := func(n int) { r.store.advance(j.ID, n) }
	var err error
	switch j.Kind {
	case "report":
		err = runReport(ctx, j, progress)
	case "reindex":
		err = runReindex(ctx, r.router, j, progress)
	case "compaction":
		err = runCompaction(ctx, j, progress)
	default:
		err = errUnknownKind
	}
	r.store.finish(j.ID, err)
}
