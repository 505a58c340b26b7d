package main

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

type compactJob struct {
	shard  *shard
	major  bool
	queued time.Time
}

// compactor watches the shards' segment counts and hands compaction jobs
// to a fixed pool of workers through a small jobs channel.
type compactor struct {
	store     *storage
	workers   int
	threshold int // level-0 segments that trigger a minor compaction
	jobs      chan compactJob

	mu      sync.Mutex
	running map[int]bool

	minor int64
	major int64
}

func newCompactor(s *storage, workers, threshold int) *compactor {
	return &compactor{
		store:     s,
		workers:   workers,
		threshold: threshold,
		jobs:      make(chan compactJob, 2),
		running:   make(map[int]bool),
	}
}

func (c *compactor) start(ctx context.Context) {
	for i := 0; i < c.workers; i++ {
		go c.worker(ctx, i)
	}
	go c.schedule(ctx, time.Second)
}

func (c *compactor) schedule(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, sh := range c.store.shards {
			job, ok := c.plan(sh)
			if !ok {
				continue
			}
			select {
			case c.jobs <- job:
			case <-ctx.Done():
				return
			}
		}
	}
}

// plan decides whether sh needs a compaction and marks it as running.
func (c *compactor) plan(sh *shard) (compactJob, bool) {
	sh.mu.Lock()
	l0 := 0
	for _, seg := range sh.segments {
		if seg.level == 0 {
			l0++
		}
	}
	major := sh.sinceMaj >= 3 && time.Now().After(sh.nextMajor)
	sh.mu.Unlock()
	if l0 < c.threshold && !major {
		return compactJob{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running[sh.id] {
		return compactJob{}, false
	}
	c.running[sh.id] = true
	return compactJob{shard: sh, major: major, queued: time.Now()}, true
}

func (c *compactor) worker(ctx context.Context, id int) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-c.jobs:
			c.run(id, job)
		}
	}
}

func (c *compactor) run(worker int, job compactJob) {
	defer func() {
		c.mu.Lock()
		delete(c.running, job.shard.id)
		c.mu.Unlock()
	}()
	merged, took := job.shard.compact(job.major)
	if job.major {
		atomic.AddInt64(&c.major, 1)
		if took > 300*time.Millisecond {
			log.Printf("compactor[%d]: major compaction of shard %d merged %d segments in %v (waited %v)",
				worker, job.shard.id, merged, took.Round(time.Millisecond), time.Since(job.queued).Round(time.Millisecond))
		}
	} else {
		atomic.AddInt64(&c.minor, 1)
	}
}
