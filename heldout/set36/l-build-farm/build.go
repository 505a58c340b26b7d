package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var errBudget = errors.New("build exceeded its time budget")

// farm is the CI server: it turns commits into builds, runs their
// pipelines against the coordinator and keeps the tallies.
type farm struct {
	coord *coordinator
	base  string
	hc    *http.Client

	seq atomic.Int64

	mu      sync.Mutex
	outcome map[string]int
	running atomic.Int64
}

func (f *farm) record(status string) {
	f.mu.Lock()
	f.outcome[status]++
	f.mu.Unlock()
}

func (f *farm) tally() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.outcome))
	for k, v := range f.outcome {
		out[k] = v
	}
	return out
}

// newBuild sizes a pipeline for a commit. Presubmits run a reduced test
// matrix under a tight budget; postsubmits run everything.
func (f *farm) newBuild(kind, repo string) *build {
	b := &build{
		id:   fmt.Sprintf("%s-%d", repo, f.seq.Add(1)),
		kind: kind,
		repo: repo,
		farm: f,
	}
	if kind == "presubmit" {
		b.shards = 3 + randIntn(3)
		b.budget = between(40*time.Second, 50*time.Second)
	} else {
		b.shards = 5 + randIntn(4)
		b.budget = between(70*time.Second, 85*time.Second)
	}
	return b
}

type build struct {
	id     string
	kind   string
	repo   string
	shards int
	budget time.Duration
	farm   *farm
}

type shardResult struct {
	shard    int
	status   string
	attempts int
	took     time.Duration
}

// run drives the pipeline: compile, the test shards in parallel, package,
// publish. The whole pipeline has one time budget.
func (b *build) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	f := b.farm
	f.coord.openBuild(b.id)
	f.running.Add(1)
	status := "error"
	defer func() {
		f.running.Add(-1)
		f.coord.closeBuild(b.id, status)
		f.record(b.kind + "/" + status)
	}()

	budget := newDeadline(b.budget)
	defer budget.Release()

	if st := b.step(budget, "compile", 0, between(3*time.Second, 9*time.Second), 25*time.Second); st != "ok" {
		status = "compile-" + st
		return
	}
	if err := b.test(ctx, budget); err != nil {
		if errors.Is(err, errBudget) {
			status = "timeout"
		} else {
			status = "tests-failed"
		}
		return
	}
	if st := b.step(budget, "package", 0, between(2*time.Second, 5*time.Second), 20*time.Second); st != "ok" {
		status = "package-" + st
		return
	}
	if err := b.publish(ctx); err != nil {
		status = "publish-failed"
		return
	}
	status = "passed"
}

// step runs one task and waits for it within the build's budget.
func (b *build) step(budget *deadline, kind string, shard int, work, timeout time.Duration) string {
	c := b.farm.coord
	t := c.submit(b.id, kind, shard, work, timeout, false)
	select {
	case <-t.done:
		return c.result(t)
	case <-budget.Done():
		c.cancel(t)
		return "timeout"
	}
}

// test fans the test matrix out over the agents and gathers the shard
// results. It fails fast: the first failing shard fails the build so the
// author hears about it early; the shards still running are withdrawn by
// run's deferred cancel.
func (b *build) test(ctx context.Context, budget *deadline) error {
	results := make(chan shardResult)
	for i := 0; i < b.shards; i++ {
		go b.runShard(ctx, i, results)
	}
	for pending := b.shards; pending > 0; pending-- {
		select {
		case r := <-results:
			if r.status != "ok" {
				return fmt.Errorf("shard %d/%d: %s after %d attempts", r.shard, b.shards, r.status, r.attempts)
			}
		case <-budget.Done():
			return errBudget
		}
	}
	return nil
}

// runShard runs one shard of the test matrix on whichever agent picks it
// up. A shard whose agent vanished is retried once on another machine;
// test failures are reported as they are.
func (b *build) runShard(ctx context.Context, shard int, results chan<- shardResult) {
	c := b.farm.coord
	start := time.Now()
	res := shardResult{shard: shard}
	for res.attempts < 2 {
		res.attempts++
		t := c.submit(b.id, "test", shard, between(3*time.Second, 14*time.Second), 30*time.Second, chance(3))
		select {
		case <-t.done:
			res.status = c.result(t)
		case <-ctx.Done():
			c.cancel(t)
			res.status = "cancelled"
		}
		if res.status != "lost" {
			break
		}
	}
	res.took = time.Since(start)
	results <- res
}

// publish uploads the build's artifacts, retrying while the artifact
// store sheds load.
func (b *build) publish(ctx context.Context) error {
	u := b.farm.base + "/v1/artifacts?" + url.Values{"build": {b.id}, "size": {strconv.Itoa(512 + randIntn(4096))}}.Encode()
	rt := retrier{attempts: 5, bo: newBackoff(200*time.Millisecond, 3*time.Second)}
	return rt.Do(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, nil)
		if err != nil {
			return err
		}
		resp, err := b.farm.hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("artifact store: %s", resp.Status)
		}
		return nil
	})
}

type retrier struct {
	attempts int
	bo       *backoff
}

func (r retrier) Do(ctx context.Context, fn func(context.Context) error) error {
	var err error
	for i := 0; i < r.attempts; i++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		if r.bo.Wait(ctx) != nil {
			return ctx.Err()
		}
	}
	return err
}
