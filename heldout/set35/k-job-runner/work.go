package main

import (
	"context"
	"sync"
	"time"
)

// ---- reports: one part at a time, each rendered by a helper goroutine ----

type renderResult struct {
	rows int
	err  error
}

func runReport(ctx context.Context, j *Job, progress func(int)) error {
	for part := 0; part < j.Size; part++ {
		res := make(chan renderResult, 1)
		go renderPart(ctx, j.Tenant, part, res)
		select {
		case r := <-res:
			if r.err != nil {
				return r.err
			}
			progress(r.rows)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// renderPart simulates querying the warehouse for one section of a report.
func renderPart(ctx context.Context, tenant string, part int, out chan<- renderResult) {
	cost := randDur(100*time.Millisecond, 600*time.Millisecond)
	if randIntn(40) == 0 {
		cost = randDur(2*time.Second, 4*time.Second) // cold partition
	}
	if err := sleepCtx(ctx, cost); err != nil {
		out <- renderResult{err: err}
		return
	}
	out <- renderResult{rows: 50 + randIntn(400)}
}

// ---- reindex: fan out over shards and wait for all of them ----

func runReindex(ctx context.Context, rt *shardRouter, j *Job, progress func(int)) error {
	shards := j.Size
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for i := 0; i < shards; i++ {
		wg.Add(1)
		go func(shard int) {
			part := rt.partitionFor(j.Tenant, shard)
			n, err := reindexShard(ctx, rt, part)
			if err != nil {
				errs[shard] = err
				return
			}
			progress(n)
			wg.Done()
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// reindexShard rewrites one shard's documents in batches, each sent to the
// node that currently owns the shard's partition.
func reindexShard(ctx context.Context, rt *shardRouter, part int) (int, error) {
	docs := 200 + randIntn(1000)
	slow := randIntn(35) == 0
	const batch = 100
	done := 0
	for done < docs {
		if _, err := rt.locate(part); err != nil {
			return done, err
		}
		cost := randDur(150*time.Millisecond, 400*time.Millisecond)
		if slow {
			cost *= 4
		}
		if err := sleepCtx(ctx, cost); err != nil {
			return done, err
		}
		done += batch
	}
	return done, nil
}

// ---- compaction: work through segments until the window closes ----

// runCompaction merges segments until either all of them are done or the
// job's budget runs out; running out of budget is normal (the rest is
// picked up by the next window) and not an error. A checkpointer child
// records progress every few seconds; it is stopped and waited for before
// the job returns.
func runCompaction(ctx context.Context, j *Job, progress func(int)) error {
	var (
		mu     sync.Mutex
		merged int
	)
	ckCtx, stopCk := context.WithCancel(ctx)
	ckDone := make(chan struct{})
	go func() {
		defer close(ckDone)
		checkpointer(ckCtx, 4*time.Second, func() int {
			mu.Lock()
			defer mu.Unlock()
			n := merged
			merged = 0
			return n
		}, progress)
	}()
	defer func() {
		stopCk()
		<-ckDone
	}()

	remaining := j.Size
	for ctx.Err() == nil && remaining > 0 {
		if err := mergeSegment(ctx); err != nil {
			break
		}
		mu.Lock()
		merged++
		mu.Unlock()
		remaining--
	}
	return nil
}

func mergeSegment(ctx context.Context) error {
	// Reading, merging and writing a segment, each a timed stage.
	for stage := 0; stage < 3; stage++ {
		if err := sleepCtx(ctx, randDur(300*time.Millisecond, 1200*time.Millisecond)); err != nil {
			return err
		}
	}
	return nil
}

func checkpointer(ctx context.Context, every time.Duration, take func() int, record func(int)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if n := take(); n > 0 {
				record(n)
			}
		case <-ctx.Done():
			if n := take(); n > 0 {
				record(n)
			}
			return
		}
	}
}
