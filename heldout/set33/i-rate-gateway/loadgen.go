package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"sync"
	"time"
)

var datasets = []string{"orders", "invoices", "events", "sessions", "inventory", "audit"}

// simTenant is one customer of the gateway as the load generator sees it.
type simTenant struct {
	id    string
	tier  planTier
	batch bool // runs export jobs besides interactive queries
}

// fleet simulates the gateway's customers: tenants sign up over the run,
// each with a dashboard long-polling its quota; batch tenants run a crew
// of export jobs that grows; everybody sends interactive queries, with a
// hot tenant bursting every 25 s.
type fleet struct {
	base   string
	start  time.Time
	admin  *http.Client
	query  *http.Transport
	polls  *http.Transport
	jobsTr *http.Transport

	mu      sync.Mutex
	tenants []*simTenant
}

func newFleet(base string) *fleet {
	return &fleet{
		base:   base,
		start:  time.Now(),
		admin:  &http.Client{Timeout: 5 * time.Second},
		query:  &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		polls:  &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
		jobsTr: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
	}
}

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 4; i++ {
		f.signup(ctx)
	}
	go f.queryLoad(ctx)
	go f.billing(ctx)
	for {
		if !sleepCtx(ctx, jitter(3500*time.Millisecond, 5500*time.Millisecond)) {
			return
		}
		f.mu.Lock()
		n := len(f.tenants)
		f.mu.Unlock()
		if n < 34 {
			f.signup(ctx)
		}
	}
}

func (f *fleet) signup(ctx context.Context) {
	f.mu.Lock()
	n := len(f.tenants)
	f.mu.Unlock()
	tiers := []planTier{tierStarter, tierStarter, tierPro, tierPro, tierEnterprise}
	st := &simTenant{
		id:    fmt.Sprintf("acct-%03d", 100+n),
		tier:  tiers[randIntn(len(tiers))],
		batch: randIntn(100) < 45,
	}
	resp, err := f.admin.Post(fmt.Sprintf("%s/admin/signup?tenant=%s&tier=%s", f.base, st.id, st.tier), "text/plain", nil)
	if err != nil {
		log.Printf("signup %s: %v", st.id, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	f.mu.Lock()
	f.tenants = append(f.tenants, st)
	f.mu.Unlock()

	go f.dashboard(ctx, st)
	if st.batch {
		go f.exportCrew(ctx, st)
	}
}

func (f *fleet) pick() *simTenant {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.tenants) == 0 {
		return nil
	}
	return f.tenants[randIntn(len(f.tenants))]
}

// billing moves a random tenant to another plan every 8-14 s.
func (f *fleet) billing(ctx context.Context) {
	all := []planTier{tierStarter, tierPro, tierEnterprise}
	for sleepCtx(ctx, jitter(8*time.Second, 14*time.Second)) {
		st := f.pick()
		if st == nil {
			continue
		}
		tier := all[randIntn(len(all))]
		resp, err := f.admin.Post(fmt.Sprintf("%s/admin/plan?tenant=%s&tier=%s", f.base, st.id, tier), "text/plain", nil)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// dashboard keeps a long-poll open on the tenant's quota; now and then the
// operator closes the tab and comes back later.
func (f *fleet) dashboard(ctx context.Context, st *simTenant) {
	version := 0
	for {
		timeout := jitter(90*time.Second, 170*time.Second)
		v, err := f.pollQuota(ctx, st.id, version, timeout)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !sleepCtx(ctx, jitter(time.Second, 3*time.Second)) {
				return
			}
			continue
		}
		version = v.Version
		if randIntn(100) < 20 {
			// tab closed; the operator opens it again later
			if !sleepCtx(ctx, jitter(5*time.Second, 20*time.Second)) {
				return
			}
			version = 0
		}
	}
}

func (f *fleet) pollQuota(ctx context.Context, id string, since int, timeout time.Duration) (quotaView, error) {
	var v quotaView
	client := &http.Client{Transport: f.polls, Timeout: timeout + 10*time.Second}
	url := fmt.Sprintf("%s/t/%s/quota?since=%d&timeout=%s", f.base, id, since, timeout.Round(time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return v, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&v)
	return v, err
}

// exportCrew runs the tenant's export jobs: two runners at first, one
// more every 12-20 s up to six; a runner whose job list is done leaves and is
// replaced after a pause.
func (f *fleet) exportCrew(ctx context.Context, st *simTenant) {
	const maxRunners = 6
	want, running := 2, 0
	done := make(chan int)
	next := 0
	grow := time.NewTimer(jitter(12*time.Second, 20*time.Second))
	defer grow.Stop()
	refill := func() {
		for running < want {
			running++
			next++
			go f.exportRunner(ctx, st, next, done)
		}
	}
	refill()
	for {
		select {
		case <-ctx.Done():
			return
		case <-grow.C:
			if want < maxRunners {
				want++
			}
			grow.Reset(jitter(12*time.Second, 20*time.Second))
			refill()
		case <-done:
			running--
			if !sleepCtx(ctx, jitter(2*time.Second, 6*time.Second)) {
				return
			}
			refill()
		}
	}
}

// pendingRetry is a delayed retry that has been scheduled but not yet
// waited for.
type pendingRetry struct {
	timer *time.Timer
	after time.Duration
}

func retryIn(d time.Duration) pendingRetry {
	return pendingRetry{timer: time.NewTimer(d), after: d}
}

func (p pendingRetry) wait() { <-p.timer.C }

func (f *fleet) exportRunner(ctx context.Context, st *simTenant, n int, done chan<- int) {
	jobs := 3 + randIntn(8)
	failures := 0
	for jobs > 0 && ctx.Err() == nil {
		budget := jitter(60*time.Second, 150*time.Second)
		status, retryAfter, err := f.export(ctx, st, budget)
		var retry pendingRetry
		switch {
		case err == nil && status == http.StatusOK:
			jobs--
			failures = 0
			retry = retryIn(jitter(time.Second, 5*time.Second))
		case err == nil && status == http.StatusTooManyRequests:
			if retryAfter > 90*time.Second {
				retryAfter = 90 * time.Second
			}
			retry = retryIn(retryAfter + jitter(0, 5*time.Second))
		default:
			failures++
			backoff := time.Duration(failures) * 5 * time.Second
			if backoff > 40*time.Second {
				backoff = 40 * time.Second
			}
			retry = retryIn(backoff + jitter(0, 2*time.Second))
		}
		retry.wait()
	}
	select {
	case done <- n:
	case <-ctx.Done():
	}
}

func (f *fleet) export(ctx context.Context, st *simTenant, budget time.Duration) (int, time.Duration, error) {
	client := &http.Client{Transport: f.jobsTr, Timeout: budget + 5*time.Second}
	url := fmt.Sprintf("%s/t/%s/export?dataset=%s", f.base, st.id, datasets[randIntn(len(datasets))])
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("X-Deadline-Ms", strconv.Itoa(int(budget/time.Millisecond)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, parseRetryAfter(resp), nil
}

func parseRetryAfter(resp *http.Response) time.Duration {
	if ms, err := strconv.Atoi(resp.Header.Get("Retry-After-Ms")); err == nil {
		return time.Duration(ms) * time.Millisecond
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		return time.Duration(s) * time.Second
	}
	return 5 * time.Second
}

type queryJob struct {
	tenant string
	budget time.Duration
}

func (f *fleet) queryRate() float64 {
	el := time.Since(f.start).Seconds()
	return 6 + 0.35*el
}

// queryLoad sends interactive queries through a worker pool; for 3 s out
// of every 25 one hot tenant sends far more than its plan allows.
func (f *fleet) queryLoad(ctx context.Context) {
	jobs := make(chan queryJob, 64)
	client := &http.Client{Transport: f.query, Timeout: 3 * time.Second}
	for i := 0; i < 24; i++ {
		go f.queryWorker(ctx, client, jobs)
	}
	const step = 100 * time.Millisecond
	tick := time.NewTicker(step)
	defer tick.Stop()
	var carry, hotCarry float64
	var hot *simTenant
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		carry += f.queryRate() * step.Seconds()
		el := int(time.Since(f.start).Seconds())
		if el%25 >= 18 && el%25 < 21 {
			if hot == nil {
				hot = f.pick()
			}
			hotCarry += 45 * step.Seconds()
		} else {
			hot, hotCarry = nil, 0
		}
		for ; carry >= 1; carry-- {
			if st := f.pick(); st != nil {
				f.enqueue(jobs, queryJob{tenant: st.id, budget: jitter(300*time.Millisecond, 2*time.Second)})
			}
		}
		for ; hot != nil && hotCarry >= 1; hotCarry-- {
			f.enqueue(jobs, queryJob{tenant: hot.id, budget: jitter(500*time.Millisecond, 2*time.Second)})
		}
	}
}

func (f *fleet) enqueue(jobs chan<- queryJob, j queryJob) {
	select {
	case jobs <- j:
	default: // the client is saturated; drop like a real caller would time out
	}
}

func (f *fleet) queryWorker(ctx context.Context, client *http.Client, jobs <-chan queryJob) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			f.doQuery(ctx, client, j, true)
		}
	}
}

func (f *fleet) doQuery(ctx context.Context, client *http.Client, j queryJob, mayRetry bool) {
	url := fmt.Sprintf("%s/t/%s/query?q=top-%d", f.base, j.tenant, randIntn(50))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	req.Header.Set("X-Deadline-Ms", strconv.Itoa(int(j.budget/time.Millisecond)))
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && mayRetry {
		if ra := parseRetryAfter(resp); ra < 1500*time.Millisecond && sleepCtx(ctx, ra) {
			f.doQuery(ctx, client, j, false)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
