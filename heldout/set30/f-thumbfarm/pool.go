package main

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// PoolConfig controls how the render pool grows and shrinks.
type PoolConfig struct {
	MinWorkers     int
	MaxWorkers     int
	QueueDepth     int
	IdleTimeout    time.Duration // a worker with nothing to do for this long retires
	MaxJobs        int           // a worker is recycled after this many jobs
	ScaleInterval  time.Duration
	ShrinkCooldown time.Duration
}

// Job is a unit of work handed to the pool. The result channel must be
// buffered (capacity >= 1) so a worker never blocks on a caller that left.
type Job struct {
	Fn     func() (Result, error)
	Result chan<- JobOutcome
}

type JobOutcome struct {
	Res Result
	Err error
}

// Pool is a worker pool that adds workers while its queue backs up and
// retires them when they sit idle or utilisation stays low.
type Pool struct {
	cfg    PoolConfig
	queue  chan Job
	retire chan struct{}

	mu      sync.Mutex
	workers int
	nextID  int

	busy      int64 // workers currently running a job
	started   int64
	retired   int64
	completed int64
}

func NewPool(cfg PoolConfig) *Pool {
	p := &Pool{
		cfg:    cfg,
		queue:  make(chan Job, cfg.QueueDepth),
		retire: make(chan struct{}),
	}
	p.mu.Lock()
	for i := 0; i < cfg.MinWorkers; i++ {
		p.spawnLocked()
	}
	p.mu.Unlock()
	return p
}

// Submit enqueues a job or gives up when ctx is done.
func (p *Pool) Submit(ctx context.Context, j Job) error {
	select {
	case p.queue <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pool) spawnLocked() {
	if p.workers >= p.cfg.MaxWorkers {
		return
	}
	p.workers++
	p.nextID++
	atomic.AddInt64(&p.started, 1)
	go p.worker(p.nextID)
}

// leave is called by a worker that wants to exit; it refuses if that would
// take the pool under its minimum size.
func (p *Pool) leave(force bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && p.workers <= p.cfg.MinWorkers {
		return false
	}
	p.workers--
	atomic.AddInt64(&p.retired, 1)
	return true
}

func (p *Pool) worker(id int) {
	idle := time.NewTimer(p.cfg.IdleTimeout)
	defer idle.Stop()
	jobs := 0
	for {
		select {
		case j := <-p.queue:
			atomic.AddInt64(&p.busy, 1)
			res, err := j.Fn()
			atomic.AddInt64(&p.busy, -1)
			atomic.AddInt64(&p.completed, 1)
			j.Result <- JobOutcome{Res: res, Err: err}
			jobs++
			if jobs >= p.cfg.MaxJobs {
				// Recycle: start a fresh worker and go away, so long-lived
				// render scratch buffers don't pile up.
				p.mu.Lock()
				p.workers--
				atomic.AddInt64(&p.retired, 1)
				p.spawnLocked()
				p.mu.Unlock()
				return
			}
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
			idle.Reset(p.cfg.IdleTimeout)
		case <-p.retire:
			if p.leave(false) {
				return
			}
		case <-idle.C:
			if p.leave(false) {
				return
			}
			idle.Reset(p.cfg.IdleTimeout)
		}
	}
}

type PoolStats struct {
	Workers   int   `json:"workers"`
	Busy      int64 `json:"busy"`
	Queued    int   `json:"queued"`
	Started   int64 `json:"started"`
	Retired   int64 `json:"retired"`
	Completed int64 `json:"completed"`
}

func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	w := p.workers
	p.mu.Unlock()
	return PoolStats{
		Workers:   w,
		Busy:      atomic.LoadInt64(&p.busy),
		Queued:    len(p.queue),
		Started:   atomic.LoadInt64(&p.started),
		Retired:   atomic.LoadInt64(&p.retired),
		Completed: atomic.LoadInt64(&p.completed),
	}
}

// Autoscale samples queue length and utilisation and resizes the pool.
func (p *Pool) Autoscale(ctx context.Context) {
	t := time.NewTicker(p.cfg.ScaleInterval)
	defer t.Stop()
	var util float64 // EWMA of busy/workers
	lastChange := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := p.Stats()
		if st.Workers > 0 {
			u := float64(st.Busy) / float64(st.Workers)
			util = 0.8*util + 0.2*u
		}
		switch {
		case st.Queued > st.Workers/2 && st.Queued > 2:
			// Grow gradually: a burst should not blow the pool straight
			// up to MaxWorkers.
			add := st.Queued/8 + 1
			if add > 3 {
				add = 3
			}
			p.mu.Lock()
			for i := 0; i < add; i++ {
				p.spawnLocked()
			}
			p.mu.Unlock()
			lastChange = time.Now()
		case util < 0.35 && st.Queued == 0 && st.Workers > p.cfg.MinWorkers &&
			time.Since(lastChange) > p.cfg.ShrinkCooldown:
			// Ask one worker (whichever is free) to go away.
			select {
			case p.retire <- struct{}{}:
				lastChange = time.Now()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

func logStats(prefix string, st PoolStats) {
	log.Printf("%s workers=%d busy=%d queued=%d started=%d retired=%d done=%d",
		prefix, st.Workers, st.Busy, st.Queued, st.Started, st.Retired, st.Completed)
}
