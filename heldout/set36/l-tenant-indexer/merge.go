package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

const maxMergeSegments = 8

type shardResult struct {
	shard   int
	merged  int
	docs    int
	skipped bool
	err     error
}

// mergeJob compacts a tenant's small segments: one child per shard merges
// that shard's segments and reports on out; run gathers one result per
// shard and then finishes the job.
type mergeJob struct {
	id      string
	ti      *tenantIndex
	blobs   *blobClient
	stats   *indexStats
	started time.Time

	done     chan struct{}
	mu       sync.Mutex
	finished time.Time
	state    string
	summary  string
}

func (j *mergeJob) run(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()

	out := make(chan shardResult, len(j.ti.shards))
	for _, sh := range j.ti.shards {
		go j.mergeShard(ctx, sh, out)
	}
	var merged, docs, skipped, failed int
	for range j.ti.shards {
		r := <-out
		switch {
		case r.err != nil:
			failed++
		case r.skipped:
			skipped++
		default:
			merged += r.merged
			docs += r.docs
		}
	}
	state := "done"
	if failed > 0 {
		state = "partial"
		atomic.AddInt64(&j.stats.mergeErrors, 1)
	}
	atomic.AddInt64(&j.stats.mergesDone, 1)
	atomic.AddInt64(&j.stats.merged, int64(merged))
	j.finish(state, fmt.Sprintf("merged %d segments (%d docs), %d shards skipped, %d failed", merged, docs, skipped, failed))
}

func (j *mergeJob) mergeShard(ctx context.Context, sh *shard, out chan<- shardResult) {
	segs := sh.segments()
	if len(segs) < 3 {
		out <- shardResult{shard: sh.id, skipped: true}
		return
	}
	if len(segs) > maxMergeSegments {
		segs = segs[:maxMergeSegments]
	}
	docs, level := 0, 0
	for _, seg := range segs {
		if err := j.blobs.get(ctx, seg.blob); err != nil {
			out <- shardResult{shard: sh.id, err: err}
			return
		}
		docs += seg.docs
		if seg.level >= level {
			level = seg.level + 1
		}
		// merge the postings of this segment into the output
		select {
		case <-after(40*time.Millisecond + time.Duration(seg.docs)*time.Millisecond):
		case <-ctx.Done():
			out <- shardResult{shard: sh.id, err: ctx.Err()}
			return
		}
	}
	merged := segment{id: sh.newSegmentID(), docs: docs, level: level}
	merged.blob = merged.id
	if err := j.blobs.put(ctx, merged.blob, 16*docs); err != nil {
		out <- shardResult{shard: sh.id, err: err}
		return
	}
	if err := sh.lockWrite(ctx, 500*time.Millisecond); err != nil {
		// A flush is writing to this shard; don't hold up ingestion. The
		// merged blob stays around and the next merge will redo the shard.
		atomic.AddInt64(&j.stats.mergeBusy, 1)
		return
	}
	sh.replace(segs, merged)
	sh.writeManifest()
	sh.unlockWrite()
	out <- shardResult{shard: sh.id, merged: len(segs), docs: docs}
}

func (j *mergeJob) finish(state, summary string) {
	j.mu.Lock()
	j.state, j.summary, j.finished = state, summary, time.Now()
	j.mu.Unlock()
	close(j.done)
}

func (j *mergeJob) status() map[string]interface{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return map[string]interface{}{"id": j.id, "tenant": j.ti.name, "state": j.state, "summary": j.summary,
		"age_ms": time.Since(j.started).Milliseconds()}
}

// jobRegistry tracks merge jobs so clients can poll them.
type jobRegistry struct {
	mu   sync.Mutex
	jobs map[string]*mergeJob
	next int
}

func newJobRegistry() *jobRegistry { return &jobRegistry{jobs: make(map[string]*mergeJob)} }

func (r *jobRegistry) start(ctx context.Context, ti *tenantIndex) *mergeJob {
	r.mu.Lock()
	r.next++
	j := &mergeJob{id: fmt.Sprintf("merge-%05d", r.next), ti: ti, blobs: ti.blobs, stats: ti.stats,
		started: time.Now(), done: make(chan struct{}), state: "running"}
	r.jobs[j.id] = j
	r.mu.Unlock()
	atomic.AddInt64(&ti.stats.mergesStarted, 1)
	go j.run(ctx)
	return j
}

func (r *jobRegistry) get(id string) *mergeJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.jobs[id]
}

// janitor forgets finished jobs a minute after they finish.
func (r *jobRegistry) janitor(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		running := 0
		r.mu.Lock()
		for id, j := range r.jobs {
			j.mu.Lock()
			fin := j.finished
			j.mu.Unlock()
			if fin.IsZero() {
				running++
			} else if time.Since(fin) > time.Minute {
				delete(r.jobs, id)
			}
		}
		r.mu.Unlock()
		if running > 0 {
			log.Printf("jobs: %d merge jobs running", running)
		}
	}
}
