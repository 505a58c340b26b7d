package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// tenant is a customer with its own queue. Its producer submits jobs on a
// ticker; media tenants send transcodes, reporting tenants send a batch of
// reports every half minute.
type tenant struct {
	name     string
	plan     string
	every    time.Duration
	workers  atomic.Int32
	produced atomic.Int64
}

type fleet struct {
	coord *coordClient
	pool  *workerPool
	cd    *coordinator

	mu      sync.Mutex
	tenants []*tenant
	seq     atomic.Int64
}

const (
	maxTenants          = 26
	maxWorkersPerTenant = 6
)

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 4; i++ {
		f.onboard(ctx)
	}
	go f.autoscale(ctx)
	for sleepCtx(ctx, jitter(4*time.Second, 6500*time.Millisecond)) == nil {
		f.mu.Lock()
		n := len(f.tenants)
		f.mu.Unlock()
		if n >= maxTenants {
			return
		}
		f.onboard(ctx)
	}
}

func (f *fleet) onboard(ctx context.Context) {
	f.mu.Lock()
	n := len(f.tenants) + 1
	plans := []string{"web", "web", "media", "reports", "web", "media"}
	t := &tenant{
		name:  fmt.Sprintf("tenant-%02d", n),
		plan:  plans[n%len(plans)],
		every: jitter(2500*time.Millisecond, 5*time.Second),
	}
	f.tenants = append(f.tenants, t)
	f.mu.Unlock()
	log.Printf("fleet: onboarded %s (%s, a job every %v)", t.name, t.plan, t.every.Round(time.Millisecond))
	for i := 0; i < 2; i++ {
		f.addWorker(ctx, t)
	}
	go f.produce(ctx, t)
}

func (f *fleet) addWorker(ctx context.Context, t *tenant) {
	n := t.workers.Add(1)
	f.pool.start(ctx, t.name, int(n))
}

func (f *fleet) produce(ctx context.Context, t *tenant) {
	tk := time.NewTicker(t.every)
	defer tk.Stop()
	nextBatch := time.Now().Add(jitter(10*time.Second, 30*time.Second))
	for range tk.C {
		if ctx.Err() != nil {
			return
		}
		n := 1
		if percent(15) {
			n = 2
		}
		if t.plan == "reports" && time.Now().After(nextBatch) {
			n += 6 + randIntn(8)
			nextBatch = time.Now().Add(30 * time.Second)
		}
		for i := 0; i < n; i++ {
			j := f.newJob(t)
			if err := f.coord.submit(ctx, j); err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Printf("%s: submit: %v", t.name, err)
				continue
			}
			t.produced.Add(1)
		}
	}
}

func (f *fleet) newJob(t *tenant) *Job {
	id := fmt.Sprintf("%s-j%05d", t.name, f.seq.Add(1))
	j := &Job{ID: id, Queue: t.name}
	kind := "thumbnail"
	switch r := randIntn(100); {
	case t.plan == "media" && r < 45, r < 6:
		kind = "transcode"
	case t.plan == "reports" && r < 70, r < 30:
		kind = "report"
	}
	j.Kind = kind
	switch kind {
	case "thumbnail":
		j.Steps, j.StepTime, j.Deadline = 2+randIntn(3), jitter(150*time.Millisecond, 600*time.Millisecond), 10*time.Second
	case "report":
		j.Steps, j.StepTime, j.Deadline = 3+randIntn(4), jitter(500*time.Millisecond, 2*time.Second), 30*time.Second
	case "transcode":
		j.Steps, j.StepTime, j.Deadline = 6+randIntn(7), jitter(1500*time.Millisecond, 4*time.Second), 90*time.Second
	}
	switch r := randIntn(100); {
	case r < 4:
		j.Input = "deleted/" + id
	case r < 24:
		j.Input = "archive/" + id
	default:
		j.Input = "hot/" + id
	}
	return j
}

// autoscale adds a worker to a tenant whose queue keeps building up.
func (f *fleet) autoscale(ctx context.Context) {
	tk := time.NewTicker(3 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		f.mu.Lock()
		ts := append([]*tenant(nil), f.tenants...)
		f.mu.Unlock()
		for _, t := range ts {
			depth := f.cd.queue(t.name).depth()
			if w := t.workers.Load(); depth > int(w) && w < maxWorkersPerTenant {
				f.addWorker(ctx, t)
				log.Printf("autoscale: %s backlog %d, now %d workers", t.name, depth, w+1)
			}
		}
	}
}
