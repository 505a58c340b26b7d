package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// task is one unit of work handed to an agent: a compile, one test shard
// or the packaging step of a build.
type task struct {
	ID      string        `json:"id"`
	Build   string        `json:"build"`
	Kind    string        `json:"kind"`
	Shard   int           `json:"shard"`
	Work    time.Duration `json:"work"`
	Timeout time.Duration `json:"timeout"`
	Flaky   bool          `json:"flaky"`

	cancelled atomic.Bool
	done      chan struct{}

	// guarded by coordinator.mu
	agent    string
	assigned time.Time
	lastBeat time.Time
	finished time.Time
	status   string
}

// buildRecord is what `ci watch` sees of a build.
type buildRecord struct {
	id       string
	started  time.Time
	done     chan struct{}
	finished time.Time
	status   string
}

// coordinator owns the task queue and the build records. Agents long-poll
// it for work and report back over HTTP; the build pipelines run in the
// same process and talk to it directly.
type coordinator struct {
	queue chan *task

	mu     sync.Mutex
	tasks  map[string]*task
	builds map[string]*buildRecord

	seq atomic.Int64

	submitted, granted, completed, cancelled, lost atomic.Int64
	emptyPolls, beats, watchPolls                  atomic.Int64
	artifacts, artifactRejects                     atomic.Int64
}

func newCoordinator() *coordinator {
	return &coordinator{
		queue:  make(chan *task, 4096),
		tasks:  make(map[string]*task),
		builds: make(map[string]*buildRecord),
	}
}

func (c *coordinator) submit(build, kind string, shard int, work, timeout time.Duration, flaky bool) *task {
	t := &task{
		ID:      fmt.Sprintf("t-%d", c.seq.Add(1)),
		Build:   build,
		Kind:    kind,
		Shard:   shard,
		Work:    work,
		Timeout: timeout,
		Flaky:   flaky,
		done:    make(chan struct{}),
	}
	c.mu.Lock()
	c.tasks[t.ID] = t
	c.mu.Unlock()
	c.submitted.Add(1)
	c.queue <- t
	return t
}

// finish records the outcome of a task once; later reports are ignored.
func (c *coordinator) finish(t *task, status string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.finished.IsZero() {
		return false
	}
	t.finished = time.Now()
	t.status = status
	close(t.done)
	return true
}

// cancel withdraws a task: a queued one is skipped by the lease handler,
// a running one gets 410 on its agent's next heartbeat.
func (c *coordinator) cancel(t *task) {
	t.cancelled.Store(true)
	if c.finish(t, "cancelled") {
		c.cancelled.Add(1)
	}
}

func (c *coordinator) result(t *task) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t.status
}

func (c *coordinator) lookup(id string) *task {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tasks[id]
}

func (c *coordinator) openBuild(id string) {
	c.mu.Lock()
	c.builds[id] = &buildRecord{id: id, started: time.Now(), done: make(chan struct{})}
	c.mu.Unlock()
}

func (c *coordinator) closeBuild(id, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rec, ok := c.builds[id]; ok && rec.finished.IsZero() {
		rec.finished = time.Now()
		rec.status = status
		close(rec.done)
	}
}

func (c *coordinator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/lease", c.handleLease)
	mux.HandleFunc("/v1/heartbeat", c.handleHeartbeat)
	mux.HandleFunc("/v1/complete", c.handleComplete)
	mux.HandleFunc("/v1/builds/wait", c.handleBuildWait)
	mux.HandleFunc("/v1/artifacts", c.handleArtifact)
	return mux
}

func waitParam(r *http.Request, def, max time.Duration) time.Duration {
	d, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if err != nil || d <= 0 {
		return def
	}
	if d > max {
		return max
	}
	return d
}

// handleLease parks an agent until a task is queued or its wait runs out.
func (c *coordinator) handleLease(w http.ResponseWriter, r *http.Request) {
	agent := r.URL.Query().Get("agent")
	dl := newDeadline(waitParam(r, 15*time.Second, 30*time.Second))
	defer dl.Release()
	for {
		select {
		case t := <-c.queue:
			if t.cancelled.Load() {
				continue
			}
			now := time.Now()
			c.mu.Lock()
			t.agent, t.assigned, t.lastBeat = agent, now, now
			c.mu.Unlock()
			c.granted.Add(1)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(t)
			return
		case <-dl.Done():
			c.emptyPolls.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (c *coordinator) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	t := c.lookup(r.URL.Query().Get("task"))
	if t == nil {
		http.Error(w, "unknown task", http.StatusNotFound)
		return
	}
	if t.cancelled.Load() {
		http.Error(w, "task withdrawn", http.StatusGone)
		return
	}
	c.mu.Lock()
	t.lastBeat = time.Now()
	c.mu.Unlock()
	c.beats.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

func (c *coordinator) handleComplete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t := c.lookup(q.Get("task"))
	if t == nil {
		http.Error(w, "unknown task", http.StatusNotFound)
		return
	}
	if c.finish(t, q.Get("status")) {
		c.completed.Add(1)
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleBuildWait is the long poll behind `ci watch`: it answers when the
// build finishes or after the requested wait, whichever comes first.
func (c *coordinator) handleBuildWait(w http.ResponseWriter, r *http.Request) {
	c.watchPolls.Add(1)
	c.mu.Lock()
	rec := c.builds[r.URL.Query().Get("id")]
	c.mu.Unlock()
	if rec == nil {
		http.Error(w, "no such build", http.StatusNotFound)
		return
	}
	dl := newDeadline(waitParam(r, 20*time.Second, 45*time.Second))
	defer dl.Release()
	select {
	case <-rec.done:
		c.mu.Lock()
		st := rec.status
		c.mu.Unlock()
		fmt.Fprintf(w, "%s %s\n", rec.id, st)
	case <-dl.Done():
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

// handleArtifact stores a build's outputs. The blob backend behind it
// sheds a share of writes when it is busy.
func (c *coordinator) handleArtifact(w http.ResponseWriter, r *http.Request) {
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	time.Sleep(between(20*time.Millisecond, 120*time.Millisecond) + time.Duration(size/64)*time.Millisecond)
	if chance(12) {
		c.artifactRejects.Add(1)
		http.Error(w, "slow down", http.StatusServiceUnavailable)
		return
	}
	c.artifacts.Add(1)
	w.WriteHeader(http.StatusCreated)
}

// janitor fails tasks whose agent went quiet and forgets old records.
func (c *coordinator) janitor(stop <-chan struct{}) {
	tk := time.NewTicker(3 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tk.C:
		}
		now := time.Now()
		var quiet []*task
		c.mu.Lock()
		for id, t := range c.tasks {
			switch {
			case !t.finished.IsZero() && now.Sub(t.finished) > time.Minute:
				delete(c.tasks, id)
			case t.finished.IsZero() && !t.assigned.IsZero() && now.Sub(t.lastBeat) > 12*time.Second:
				quiet = append(quiet, t)
			}
		}
		for id, b := range c.builds {
			if !b.finished.IsZero() && now.Sub(b.finished) > time.Minute {
				delete(c.builds, id)
			}
		}
		c.mu.Unlock()
		for _, t := range quiet {
			if c.finish(t, "lost") {
				c.lost.Add(1)
				log.Printf("coordinator: task %s lost its agent", t.ID)
			}
		}
	}
}
