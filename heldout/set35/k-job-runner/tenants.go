package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"sync"
	"time"
)

var errBusy = errors.New("runner busy")

type fleetConfig struct {
	initial     int
	max         int
	onboardStep time.Duration
}

// tenantFleet simulates the customers of the job runner: tenants are
// onboarded over the run (and a few leave), each with its own scheduler
// loop submitting recurring jobs and watching them to completion.
type tenantFleet struct {
	base   string
	client *http.Client
	cfg    fleetConfig

	mu      sync.Mutex
	seq     int
	tenants map[string]*tenant
}

func newTenantFleet(base string, cfg fleetConfig) *tenantFleet {
	return &tenantFleet{
		base: base,
		cfg:  cfg,
		client: &http.Client{
			Timeout:   15 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 48, IdleConnTimeout: 45 * time.Second},
		},
		tenants: make(map[string]*tenant),
	}
}

func (f *tenantFleet) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tenants)
}

func (f *tenantFleet) run(ctx context.Context) {
	for i := 0; i < f.cfg.initial; i++ {
		f.onboard(ctx)
	}
	tick := time.NewTicker(f.cfg.onboardStep)
	defer tick.Stop()
	for range tick.C {
		if ctx.Err() != nil {
			return
		}
		if f.size() < f.cfg.max {
			f.onboard(ctx)
		}
		if f.size() > 6 && randIntn(7) == 0 {
			if t := f.pickAndRemove(); t != nil {
				go f.offboard(t)
			}
		}
	}
}

func (f *tenantFleet) onboard(parent context.Context) {
	f.mu.Lock()
	f.seq++
	name := fmt.Sprintf("tenant-%02d", f.seq)
	ctx, cancel := context.WithCancel(parent)
	t := &tenant{
		name:   name,
		fleet:  f,
		cancel: cancel,
		done:   make(chan struct{}),
		bursts: make(chan int, 1),
	}
	f.tenants[name] = t
	f.mu.Unlock()
	go t.schedule(ctx)
}

func (f *tenantFleet) pickAndRemove() *tenant {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, t := range f.tenants {
		delete(f.tenants, name)
		return t
	}
	return nil
}

// offboard stops a tenant's scheduler and waits until its watchers are
// gone, like a decommission step would before deleting the account.
func (f *tenantFleet) offboard(t *tenant) {
	t.cancel()
	select {
	case <-t.done:
		log.Printf("fleet: %s offboarded", t.name)
	case <-time.After(30 * time.Second):
		log.Printf("fleet: %s slow to drain", t.name)
	}
}

// monthEnd asks a few tenants for a burst of reports now and then.
func (f *tenantFleet) monthEnd(ctx context.Context, every time.Duration) {
	for sleepCtx(ctx, every) == nil {
		f.mu.Lock()
		n := 2 + randIntn(3)
		for _, t := range f.tenants {
			if n == 0 {
				break
			}
			select {
			case t.bursts <- 5 + randIntn(8):
			default:
			}
			n--
		}
		f.mu.Unlock()
	}
}

type tenant struct {
	name     string
	fleet    *tenantFleet
	cancel   context.CancelFunc
	done     chan struct{}
	bursts   chan int
	watchers sync.WaitGroup
}

// schedule is the tenant's cron: reports every few seconds, reindexes
// now and then, a compaction window every minute or so.
func (t *tenant) schedule(ctx context.Context) {
	defer close(t.done)
	defer t.watchers.Wait()

	now := time.Now()
	nextReport := now.Add(randDur(0, 3*time.Second))
	nextReindex := now.Add(randDur(3*time.Second, 12*time.Second))
	nextCompaction := now.Add(randDur(5*time.Second, 30*time.Second))

	wake := time.NewTimer(time.Until(earliest(nextReport, nextReindex, nextCompaction)))
	defer wake.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-t.bursts:
			for i := 0; i < n && ctx.Err() == nil; i++ {
				t.submit(ctx, jobSpec{Kind: "report", Size: 2 + randIntn(5)})
			}
			continue
		case <-wake.C:
		}
		now := time.Now()
		if !now.Before(nextReport) {
			t.submit(ctx, jobSpec{Kind: "report", Size: 2 + randIntn(5)})
			nextReport = now.Add(randDur(3*time.Second, 7*time.Second))
		}
		if !now.Before(nextReindex) {
			t.submit(ctx, jobSpec{Kind: "reindex", Size: 3 + randIntn(6)})
			nextReindex = now.Add(randDur(8*time.Second, 16*time.Second))
		}
		if !now.Before(nextCompaction) {
			budget := randDur(25*time.Second, 75*time.Second)
			spec := jobSpec{Kind: "compaction", Size: 15 + randIntn(40), BudgetMS: int(budget / time.Millisecond)}
			if err := t.submit(ctx, spec); err == errBusy {
				nextCompaction = now.Add(randDur(5*time.Second, 12*time.Second))
			} else {
				nextCompaction = now.Add(budget + randDur(20*time.Second, 50*time.Second))
			}
		}
		resetTimer(wake, time.Until(earliest(nextReport, nextReindex, nextCompaction)))
	}
}

func earliest(ts ...time.Time) time.Time {
	e := ts[0]
	for _, t := range ts[1:] {
		if t.Before(e) {
			e = t
		}
	}
	return e
}

func (t *tenant) submit(ctx context.Context, spec jobSpec) error {
	spec.Tenant = t.name
	body, _ := json.Marshal(spec)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.fleet.base+"/v1/jobs", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.fleet.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted:
	case http.StatusServiceUnavailable:
		io.Copy(ioutil.Discard, resp.Body)
		return errBusy
	default:
		io.Copy(ioutil.Discard, resp.Body)
		return fmt.Errorf("submit %s: %s", spec.Kind, resp.Status)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	t.watchers.Add(1)
	go t.watch(ctx, out.ID, spec.Kind)
	return nil
}

// watch follows one job until it is finished: short jobs by polling with
// backoff, compactions by long-polling. It gives up after a deadline.
func (t *tenant) watch(parent context.Context, id, kind string) {
	defer t.watchers.Done()
	limit := 30 * time.Second
	if kind == "compaction" {
		limit = 4 * time.Minute
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()

	bo := backoff{base: 150 * time.Millisecond, max: 2 * time.Second}
	for {
		path := "/v1/jobs/" + id
		if kind == "compaction" {
			path += "?wait=5s"
		}
		v, err := t.status(ctx, path)
		switch {
		case err == errNotFound:
			return
		case err == nil && v.State.terminal():
			return
		}
		if kind == "compaction" && err == nil {
			bo.reset()
			continue
		}
		if sleepCtx(ctx, bo.next()) != nil {
			return
		}
	}
}

var errNotFound = errors.New("not found")

func (t *tenant) status(ctx context.Context, path string) (jobView, error) {
	var v jobView
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.fleet.base+path, nil)
	if err != nil {
		return v, err
	}
	resp, err := t.fleet.client.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		io.Copy(ioutil.Discard, resp.Body)
		return v, errNotFound
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	return v, err
}
