package main

import (
	"context"
	"fmt"
	"log"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type pipelineConfig struct {
	slots     *encoderSlots
	thumbs    *thumbnailer
	publisher *publisher
	jobBudget time.Duration
	keepDone  time.Duration
}

type pipelineStats struct {
	submitted    int64
	completed    int64
	failed       int64
	skippedRungs int64
	encodedRungs int64
}

// pipeline owns the transcode jobs.
type pipeline struct {
	cfg   pipelineConfig
	ctx   context.Context
	seq   int64
	stats pipelineStats

	mu   sync.RWMutex
	jobs map[string]*transcodeJob
}

func newPipeline(ctx context.Context, cfg pipelineConfig) *pipeline {
	return &pipeline{cfg: cfg, ctx: ctx, jobs: make(map[string]*transcodeJob)}
}

type jobState string

const (
	stateQueued   jobState = "queued"
	stateEncoding jobState = "encoding"
	statePackage  jobState = "packaging"
	stateDone     jobState = "done"
	stateFailed   jobState = "failed"
	stateAborted  jobState = "aborted"
)

type renditionResult struct {
	Rung     string        `json:"rung"`
	Segments int           `json:"segments"`
	Bytes    int64         `json:"bytes"`
	Took     time.Duration `json:"took_ns"`
	Err      string        `json:"error,omitempty"`
}

// transcodeJob is one upload on its way through the pipeline.
type transcodeJob struct {
	pl        *pipeline
	id        string
	asset     asset
	rungs     []profile
	submitted time.Time

	mu       sync.Mutex
	state    jobState
	finished time.Time
	outputs  []renditionResult
	manifest string
	err      string
}

type jobView struct {
	ID       string            `json:"id"`
	State    jobState          `json:"state"`
	Rungs    int               `json:"rungs"`
	Outputs  []renditionResult `json:"outputs,omitempty"`
	Manifest string            `json:"manifest,omitempty"`
	Error    string            `json:"error,omitempty"`
	AgeMS    int64             `json:"age_ms"`
}

// Submit registers a job for the asset and starts it.
func (p *pipeline) Submit(a asset) (*transcodeJob, error) {
	rungs := ladderFor(a)
	if len(rungs) == 0 {
		return nil, fmt.Errorf("source height %d below the smallest rung", a.Height)
	}
	n := atomic.AddInt64(&p.seq, 1)
	j := &transcodeJob{
		pl:        p,
		id:        fmt.Sprintf("tj-%06d", n),
		asset:     a,
		rungs:     rungs,
		submitted: time.Now(),
		state:     stateQueued,
	}
	j.asset.ID = j.id
	p.mu.Lock()
	p.jobs[j.id] = j
	p.mu.Unlock()
	atomic.AddInt64(&p.stats.submitted, 1)
	go j.supervise(p.ctx)
	return j, nil
}

func (p *pipeline) Lookup(id string) (*transcodeJob, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	j, ok := p.jobs[id]
	return j, ok
}

func (j *transcodeJob) setState(s jobState) {
	j.mu.Lock()
	j.state = s
	if s == stateDone || s == stateFailed || s == stateAborted {
		j.finished = time.Now()
	}
	j.mu.Unlock()
}

func (j *transcodeJob) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	return jobView{
		ID: j.id, State: j.state, Rungs: len(j.rungs), Outputs: j.outputs,
		Manifest: j.manifest, Error: j.err, AgeMS: time.Since(j.submitted).Milliseconds(),
	}
}

// supervise runs the job: one encoder goroutine per rung, a poster frame
// from the thumbnailer, then the manifest once every rung has reported.
func (j *transcodeJob) supervise(ctx context.Context) {
	jobCtx, cancel := context.WithTimeout(ctx, j.pl.cfg.jobBudget)
	defer cancel()

	j.setState(stateEncoding)
	results := make(chan renditionResult, len(j.rungs))
	for _, p := range j.rungs {
		go j.encodeRendition(jobCtx, p, results)
	}
	poster := j.pl.cfg.thumbs.Request(jobCtx, j.asset)

	outs := make([]renditionResult, 0, len(j.rungs))
	for pending := len(j.rungs); pending > 0; pending-- {
		select {
		case r := <-results:
			outs = append(outs, r)
		case <-ctx.Done():
			j.setState(stateAborted)
			return
		}
	}

	var th thumbResult
	select {
	case th = <-poster:
	case <-jobCtx.Done():
		th.err = jobCtx.Err()
	}

	j.setState(statePackage)
	var failed []string
	var good []renditionResult
	for _, r := range outs {
		if r.Err != "" {
			failed = append(failed, r.Rung+": "+r.Err)
			continue
		}
		good = append(good, r)
	}
	if len(good) == 0 {
		j.mu.Lock()
		j.outputs, j.err = outs, fmt.Sprintf("no rendition succeeded: %v", failed)
		j.mu.Unlock()
		j.setState(stateFailed)
		atomic.AddInt64(&j.pl.stats.failed, 1)
		return
	}
	m := buildManifest(j.id, good, th)
	if err := j.pl.cfg.publisher.Publish(jobCtx, m); err != nil {
		j.mu.Lock()
		j.outputs, j.err = outs, "publish: "+err.Error()
		j.mu.Unlock()
		j.setState(stateFailed)
		atomic.AddInt64(&j.pl.stats.failed, 1)
		return
	}
	j.mu.Lock()
	j.outputs, j.manifest = outs, m.URL
	j.mu.Unlock()
	j.setState(stateDone)
	atomic.AddInt64(&j.pl.stats.completed, 1)
}

// encodeRendition encodes one rung of the ladder on a hardware encoder slot
// and reports the rendition on results.
func (j *transcodeJob) encodeRendition(ctx context.Context, p profile, results chan<- renditionResult) {
	res := renditionResult{Rung: p.Name}
	start := time.Now()
	if err := j.pl.cfg.slots.Acquire(ctx); err != nil {
		res.Err = err.Error()
		results <- res
		return
	}
	defer j.pl.cfg.slots.Release()

	src, err := probeSource(ctx, j.asset)
	if err != nil {
		res.Err = "probe: " + err.Error()
		results <- res
		return
	}
	if p.Height > src.ActiveHeight {
		// Letterboxed source: this rung would only upscale the picture
		// area, so it is left out of the ladder.
		atomic.AddInt64(&j.pl.stats.skippedRungs, 1)
		return
	}

	enc := newSegmentEncoder(p, src)
	defer enc.Close()
	for enc.remaining() > 0 {
		if err := enc.encodeNext(ctx); err != nil {
			res.Err = err.Error()
			break
		}
	}
	res.Segments, res.Bytes, res.Took = enc.done, enc.bytes, time.Since(start)
	if res.Err == "" {
		atomic.AddInt64(&j.pl.stats.encodedRungs, 1)
	}
	results <- res
}

// janitor forgets finished jobs once clients had time to read them.
func (p *pipeline) janitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.mu.Lock()
			for id, j := range p.jobs {
				j.mu.Lock()
				old := !j.finished.IsZero() && now.Sub(j.finished) > p.cfg.keepDone
				j.mu.Unlock()
				if old {
					delete(p.jobs, id)
				}
			}
			p.mu.Unlock()
		}
	}
}

func (p *pipeline) reportLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		counts := map[jobState]int{}
		p.mu.RLock()
		for _, j := range p.jobs {
			j.mu.Lock()
			counts[j.state]++
			j.mu.Unlock()
		}
		p.mu.RUnlock()
		var states []string
		for s, n := range counts {
			states = append(states, fmt.Sprintf("%s=%d", s, n))
		}
		sort.Strings(states)
		log.Printf("jobs %v submitted=%d done=%d failed=%d rungs encoded=%d skipped=%d slots=%d/%d waiting=%d",
			states, atomic.LoadInt64(&p.stats.submitted), atomic.LoadInt64(&p.stats.completed),
			atomic.LoadInt64(&p.stats.failed), atomic.LoadInt64(&p.stats.encodedRungs),
			atomic.LoadInt64(&p.stats.skippedRungs), p.cfg.slots.InUse(), cap(p.cfg.slots.sem),
			p.cfg.slots.Waiting())
	}
}
