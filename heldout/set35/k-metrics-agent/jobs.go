package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Batch jobs on the host (cron-style) push their outcome to the agent's
// /push endpoint when they finish, the way they would to a Pushgateway.
// Every run is bounded as a whole by its deadline: the runner starts the
// work in its own goroutine and waits for it or for the deadline.

type jobSpec struct {
	name     string
	deadline time.Duration
	stepsLo  int
	stepsHi  int
	stepLo   time.Duration
	stepHi   time.Duration
	slots    chan struct{} // concurrency limit per job kind
}

func newJobSpec(name string, deadline time.Duration, stepsLo, stepsHi int, stepLo, stepHi time.Duration, conc int) *jobSpec {
	return &jobSpec{name: name, deadline: deadline, stepsLo: stepsLo, stepsHi: stepsHi, stepLo: stepLo, stepHi: stepHi, slots: make(chan struct{}, conc)}
}

var jobCatalog = []*jobSpec{
	newJobSpec("logrotate", 8*time.Second, 4, 12, 100*time.Millisecond, 400*time.Millisecond, 3),
	newJobSpec("cert-expiry-check", 5*time.Second, 2, 6, 200*time.Millisecond, 900*time.Millisecond, 2),
	newJobSpec("cache-warm", 25*time.Second, 5, 20, 300*time.Millisecond, 1500*time.Millisecond, 4),
	newJobSpec("report-etl", 70*time.Second, 10, 30, 1*time.Second, 3*time.Second, 3),
	newJobSpec("db-backup", 120*time.Second, 12, 28, 2*time.Second, 5*time.Second, 2),
}

type jobOutcome struct {
	items    int
	err      error
	started  time.Time
	finished time.Time
}

type jobRunner struct {
	pushURL string
	client  *http.Client

	running  atomic.Int64
	finished atomic.Int64
	timedOut atomic.Int64
	skipped  atomic.Int64
}

// schedule fires a job every few seconds and a cron burst at the top of
// every "minute" (20 s here); the pace picks up as the host gets busier.
func (r *jobRunner) schedule(ctx context.Context) {
	start := time.Now()
	burst := time.NewTicker(20 * time.Second)
	defer burst.Stop()
	for {
		gap := 6*time.Second - time.Since(start)/40
		if gap < 1500*time.Millisecond {
			gap = 1500 * time.Millisecond
		}
		next := time.NewTimer(between(gap/2, gap))
		select {
		case <-ctx.Done():
			next.Stop()
			return
		case <-burst.C:
			next.Stop()
			for _, spec := range jobCatalog {
				if chance(0.7) {
					r.launch(ctx, spec)
				}
			}
		case <-next.C:
			r.launch(ctx, jobCatalog[rng.Intn(len(jobCatalog))])
		}
	}
}

func (r *jobRunner) launch(ctx context.Context, spec *jobSpec) {
	select {
	case spec.slots <- struct{}{}:
	default:
		r.skipped.Add(1) // previous run still going; cron would skip too
		return
	}
	go func() {
		defer func() { <-spec.slots }()
		r.runJob(ctx, spec)
	}()
}

func (r *jobRunner) runJob(ctx context.Context, spec *jobSpec) {
	r.running.Add(1)
	defer r.running.Add(-1)
	jctx, cancel := context.WithTimeout(ctx, spec.deadline)
	defer cancel()

	done := make(chan jobOutcome, 1)
	go r.execute(jctx, spec, done)

	var out jobOutcome
	select {
	case out = <-done:
	case <-jctx.Done():
		out = jobOutcome{err: jctx.Err(), finished: time.Now()}
		r.timedOut.Add(1)
	}
	r.finished.Add(1)
	r.push(ctx, spec, out)
}

// execute does the job's work in steps and reports on done (buffered, so
// a runner that already gave up does not hold us).
func (r *jobRunner) execute(ctx context.Context, spec *jobSpec, done chan<- jobOutcome) {
	out := jobOutcome{started: time.Now()}
	steps := spec.stepsLo + rng.Intn(spec.stepsHi-spec.stepsLo+1)
	for i := 0; i < steps && ctx.Err() == nil; i++ {
		if !sleepCtx(ctx, between(spec.stepLo, spec.stepHi)) {
			break
		}
		out.items += 10 + rng.Intn(200)
	}
	out.err = ctx.Err()
	out.finished = time.Now()
	done <- out
}

func (r *jobRunner) push(ctx context.Context, spec *jobSpec, out jobOutcome) {
	var body bytes.Buffer
	ok := 1
	if out.err != nil {
		ok = 0
	}
	fmt.Fprintf(&body, "job_last_success{job=%q} %d\n", spec.name, ok)
	fmt.Fprintf(&body, "job_items_processed{job=%q} %d\n", spec.name, out.items)
	fmt.Fprintf(&body, "job_last_run_timestamp_seconds{job=%q} %d\n", spec.name, out.finished.Unix())
	if !out.started.IsZero() {
		fmt.Fprintf(&body, "job_duration_seconds{job=%q} %g\n", spec.name, out.finished.Sub(out.started).Seconds())
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, r.pushURL+"/push/job/"+spec.name, &body)
	if err != nil {
		return
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// pushAPI is the agent's own HTTP endpoint for pushed metrics.
type pushAPI struct {
	out    chan<- scrapeResult
	pushes atomic.Int64
}

func (p *pushAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	job := strings.TrimPrefix(r.URL.Path, "/push/job/")
	if r.Method != http.MethodPost || job == "" || job == r.URL.Path {
		http.Error(w, "POST /push/job/NAME", http.StatusBadRequest)
		return
	}
	samples, err := parseExposition(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case p.out <- scrapeResult{source: "push/" + job, at: time.Now(), samples: samples, up: true}:
		p.pushes.Add(1)
		w.WriteHeader(http.StatusAccepted)
	case <-r.Context().Done():
	}
}
