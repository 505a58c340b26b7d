package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

type jobState string

const (
	stateQueued    jobState = "queued"
	stateRunning   jobState = "running"
	stateSucceeded jobState = "succeeded"
	stateFailed    jobState = "failed"
	stateTimedOut  jobState = "timed_out"
)

func (s jobState) terminal() bool {
	return s == stateSucceeded || s == stateFailed || s == stateTimedOut
}

// jobSpec is what a tenant submits.
type jobSpec struct {
	Tenant   string `json:"tenant"`
	Kind     string `json:"kind"`
	Size     int    `json:"size"`
	BudgetMS int    `json:"budget_ms"`
}

// Job is one submitted unit of work.
type Job struct {
	ID     string
	Tenant string
	Kind   string
	Size   int
	Budget time.Duration

	state     jobState
	worker    string
	progress  int
	err       string
	submitted time.Time
	started   time.Time
	finished  time.Time
}

// jobView is the JSON shape returned by the status endpoint.
type jobView struct {
	ID       string   `json:"id"`
	Tenant   string   `json:"tenant"`
	Kind     string   `json:"kind"`
	State    jobState `json:"state"`
	Worker   string   `json:"worker,omitempty"`
	Progress int      `json:"progress"`
	Error    string   `json:"error,omitempty"`
}

type jobStore struct {
	mu   sync.RWMutex
	seq  uint64
	jobs map[string]*Job
}

func newJobStore() *jobStore {
	return &jobStore{jobs: make(map[string]*Job)}
}

func (s *jobStore) create(spec jobSpec) *Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	j := &Job{
		ID:        fmt.Sprintf("%s-%06d", spec.Kind[:3], s.seq),
		Tenant:    spec.Tenant,
		Kind:      spec.Kind,
		Size:      spec.Size,
		Budget:    time.Duration(spec.BudgetMS) * time.Millisecond,
		state:     stateQueued,
		submitted: time.Now(),
	}
	s.jobs[j.ID] = j
	return j
}

func (s *jobStore) drop(id string) {
	s.mu.Lock()
	delete(s.jobs, id)
	s.mu.Unlock()
}

func (s *jobStore) view(id string) (jobView, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.jobs[id]
	if !ok {
		return jobView{}, false
	}
	return jobView{ID: j.ID, Tenant: j.Tenant, Kind: j.Kind, State: j.state, Worker: j.worker, Progress: j.progress, Error: j.err}, true
}

func (s *jobStore) markRunning(id, worker string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[id]; ok {
		j.state = stateRunning
		j.worker = worker
		j.started = time.Now()
	}
}

func (s *jobStore) advance(id string, n int) {
	s.mu.Lock()
	if j, ok := s.jobs[id]; ok {
		j.progress += n
	}
	s.mu.Unlock()
}

func (s *jobStore) finish(id string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return
	}
	j.finished = time.Now()
	switch {
	case err == nil:
		j.state = stateSucceeded
	case err == context.DeadlineExceeded:
		j.state = stateTimedOut
		j.err = err.Error()
	default:
		j.state = stateFailed
		j.err = err.Error()
	}
}

func (s *jobStore) counts() map[jobState]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := make(map[jobState]int)
	for _, j := range s.jobs {
		c[j.state]++
	}
	return c
}

// janitor forgets finished jobs once their status has been around for keep.
func (s *jobStore) janitor(ctx context.Context, keep time.Duration) {
	for {
		if err := sleepCtx(ctx, keep/3); err != nil {
			return
		}
		cutoff := time.Now().Add(-keep)
		s.mu.Lock()
		for id, j := range s.jobs {
			if j.state.terminal() && j.finished.Before(cutoff) {
				delete(s.jobs, id)
			}
		}
		s.mu.Unlock()
	}
}
