package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// tenant is one customer of the coordination service. It runs a config
// poller, leader candidates for each of its shards and a job scheduler whose
// batch jobs each hold a lease for as long as they run.
type tenant struct {
	name    string
	cl      *leaseClient
	shards  int
	maxJobs int

	mu       sync.Mutex
	versions map[string]int64
	epoch    int64

	jobsRun, jobsExpired, jobsLost int64
}

func newTenant(name string, cl *leaseClient, shards, maxJobs int) *tenant {
	return &tenant{name: name, cl: cl, shards: shards, maxJobs: maxJobs, versions: make(map[string]int64)}
}

func (t *tenant) shardVersion(key string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.versions[key]++
	return t.versions[key]
}

// Run starts the tenant's workers and waits for all of them; it returns
// once ctx is done and every worker has wound down.
func (t *tenant) Run(ctx context.Context) {
	var wg sync.WaitGroup
	spawn := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	spawn(t.pollConfig)
	spawn(t.scheduleJobs)
	for s := 0; s < t.shards; s++ {
		for r := 0; r < 2; r++ {
			c := &candidate{
				tenant: t,
				name:   fmt.Sprintf("%s-replica-%d", t.name, r),
				key:    shardKey(t.name, s),
				ttl:    3 * time.Second,
				term:   jitter(15*time.Second, 25*time.Second),
			}
			spawn(c.campaign)
		}
	}
	wg.Wait()
}

// pollConfig re-reads the tenant's config every few seconds and backs off
// when the API fails.
func (t *tenant) pollConfig(ctx context.Context) {
	bo := backoff{base: 500 * time.Millisecond, max: 8 * time.Second}
	for {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		epoch, err := t.cl.configEpoch(rctx, t.name)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			bo.wait(ctx)
			continue
		}
		bo.reset()
		t.mu.Lock()
		if epoch != t.epoch {
			t.epoch = epoch
		}
		t.mu.Unlock()
		if sleepCtx(ctx, jitter(2*time.Second, 2*time.Second)) != nil {
			return
		}
	}
}

type jobSpec struct {
	id       string
	deadline time.Duration
	steps    int
	pace     time.Duration
	bytes    int
}

// scheduleJobs starts a batch job now and then, at most maxJobs at a time,
// and waits for the running ones before it returns.
func (t *tenant) scheduleJobs(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, t.maxJobs)
	seq := 0
	next := time.NewTimer(jitter(500*time.Millisecond, 2*time.Second))
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
		}
		select {
		case slots <- struct{}{}:
			seq++
			spec := jobSpec{
				id:       fmt.Sprintf("%s-job-%d", t.name, seq),
				deadline: jitter(8*time.Second, 22*time.Second),
				steps:    6 + randIntn(30),
				pace:     jitter(400*time.Millisecond, 900*time.Millisecond),
				bytes:    100000 + randIntn(1500000),
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				if err := t.runJob(ctx, spec); err != nil && ctx.Err() == nil && err != context.DeadlineExceeded {
					log.Printf("%s: %v", spec.id, err)
				}
			}()
		default:
		}
		next.Reset(jitter(1500*time.Millisecond, 3*time.Second))
	}
}

var errLeaseLost = fmt.Errorf("job lease lost")

// runJob runs one batch job under its deadline, holding a lease for its
// whole life. Each step writes a checkpoint.
func (t *tenant) runJob(parent context.Context, spec jobSpec) error {
	ctx, cancel := context.WithTimeout(parent, spec.deadline)
	defer cancel()

	lease, err := t.cl.Keep(ctx, spec.id, 2*time.Second)
	if err != nil {
		return err
	}
	defer lease.Release()

	step := 0
	for ctx.Err() == nil && step < spec.steps {
		if err := t.checkpoint(ctx, spec, step); err != nil {
			break
		}
		step++
		select {
		case <-lease.Lost():
			atomic.AddInt64(&t.jobsLost, 1)
			return errLeaseLost
		case <-ctx.Done():
		case <-time.After(spec.pace):
		}
	}
	if ctx.Err() == context.DeadlineExceeded {
		atomic.AddInt64(&t.jobsExpired, 1)
	} else {
		atomic.AddInt64(&t.jobsRun, 1)
	}
	return nil
}

// checkpoint hands the durable write to a helper goroutine and waits for
// it or for the job's deadline. The result channel is buffered so a late
// writer never blocks.
func (t *tenant) checkpoint(ctx context.Context, spec jobSpec, step int) error {
	res := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		res <- t.cl.checkpoint(wctx, spec.id, spec.bytes/(step+1))
	}()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
