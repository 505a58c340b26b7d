package main

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

var ErrBusy = errors.New("dispatch: tenant queue full")

type Job struct {
	Tenant   string
	Kind     string
	Payload  []byte
	Enqueued time.Time
}

// tenantWorker serialises all jobs of one tenant. Workers are created the
// first time a tenant shows up and live as long as the process: tenants
// are a bounded set and a parked goroutine costs a few KB.
type tenantWorker struct {
	tenant string
	jobs   chan Job
	d      *Dispatcher

	processed int64
	lastJob   int64 // unix nanos
}

func (w *tenantWorker) run() {
	for j := range w.jobs {
		w.handle(j)
		atomic.AddInt64(&w.processed, 1)
		atomic.StoreInt64(&w.lastJob, time.Now().UnixNano())
	}
}

func (w *tenantWorker) handle(j Job) {
	cfg := w.d.cfg.Load()
	// Simulated work: validate, apply, persist.
	time.Sleep(time.Duration(len(j.Payload)%3) * time.Millisecond)
	if cfg.WebhooksEnabled && j.Kind != "internal" {
		w.d.hooks.Push(webhook{
			tenant:  j.Tenant,
			event:   j.Kind,
			body:    j.Payload,
			created: time.Now(),
		})
	}
}

type Dispatcher struct {
	cfg   *configHolder
	hooks *hookQueue

	mu      sync.Mutex
	workers map[string]*tenantWorker

	submitted, rejected int64
}

func NewDispatcher(cfg *configHolder, hooks *hookQueue) *Dispatcher {
	return &Dispatcher{cfg: cfg, hooks: hooks, workers: make(map[string]*tenantWorker)}
}

func (d *Dispatcher) workerFor(tenant string) *tenantWorker {
	d.mu.Lock()
	defer d.mu.Unlock()
	w, ok := d.workers[tenant]
	if !ok {
		w = &tenantWorker{
			tenant: tenant,
			jobs:   make(chan Job, d.cfg.Load().TenantQueue),
			d:      d,
		}
		d.workers[tenant] = w
		go w.run()
	}
	return w
}

func (d *Dispatcher) Submit(j Job) error {
	w := d.workerFor(j.Tenant)
	select {
	case w.jobs <- j:
		atomic.AddInt64(&d.submitted, 1)
		return nil
	default:
		atomic.AddInt64(&d.rejected, 1)
		return ErrBusy
	}
}

func (d *Dispatcher) Tenants() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.workers)
}

// Backlog returns the total number of queued jobs and the deepest queue.
func (d *Dispatcher) Backlog() (total, deepest int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.workers {
		n := len(w.jobs)
		total += n
		if n > deepest {
			deepest = n
		}
	}
	return
}
