package main

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one unit of background work.
type Job struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Tenant      string          `json:"tenant"`
	Payload     json.RawMessage `json:"payload,omitempty"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	LastErr     string          `json:"last_err,omitempty"`
	Replays     int             `json:"replays,omitempty"`
	Enqueued    time.Time       `json:"enqueued"`
}

type handlerFunc func(ctx context.Context, j *Job) error

var errPermanent = errors.New("permanent failure")

// ---- status board -----------------------------------------------------------

type jobStatus struct {
	State   string    `json:"state"`
	Attempt int       `json:"attempt"`
	Err     string    `json:"err,omitempty"`
	Updated time.Time `json:"updated"`
}

type statusBoard struct {
	mu   sync.Mutex
	jobs map[string]*jobStatus
}

func newStatusBoard() *statusBoard { return &statusBoard{jobs: make(map[string]*jobStatus)} }

func (b *statusBoard) set(id, state string, attempt int, err error) {
	b.mu.Lock()
	s := b.jobs[id]
	if s == nil {
		s = &jobStatus{}
		b.jobs[id] = s
	}
	s.State, s.Attempt, s.Updated = state, attempt, time.Now()
	if err != nil {
		s.Err = err.Error()
	}
	b.mu.Unlock()
}

func (b *statusBoard) get(id string) (jobStatus, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.jobs[id]
	if !ok {
		return jobStatus{}, false
	}
	return *s, true
}

// janitor forgets finished jobs after a retention period.
func (b *statusBoard) janitor(every, keep time.Duration) {
	for range time.Tick(every) {
		cut := time.Now().Add(-keep)
		b.mu.Lock()
		for id, s := range b.jobs {
			if (s.State == "done" || s.State == "dead") && s.Updated.Before(cut) {
				delete(b.jobs, id)
			}
		}
		b.mu.Unlock()
	}
}

// ---- delayed scheduler ------------------------------------------------------

type delayed struct {
	at  time.Time
	job *Job
}

type delayHeap []delayed

func (h delayHeap) Len() int            { return len(h) }
func (h delayHeap) Less(i, j int) bool  { return h[i].at.Before(h[j].at) }
func (h delayHeap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x interface{}) { *h = append(*h, x.(delayed)) }
func (h *delayHeap) Pop() interface{} {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = delayed{}
	*h = old[:n-1]
	return x
}

// scheduler holds jobs until their run time and then hands them to the queue.
type scheduler struct {
	mu   sync.Mutex
	h    delayHeap
	wake chan struct{}
	out  chan<- *Job
}

func newScheduler(out chan<- *Job) *scheduler {
	return &scheduler{wake: make(chan struct{}, 1), out: out}
}

func (s *scheduler) At(at time.Time, j *Job) {
	s.mu.Lock()
	heap.Push(&s.h, delayed{at: at, job: j})
	first := s.h[0].job == j
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (s *scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.h)
}

func (s *scheduler) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		var due []*Job
		now := time.Now()
		next := time.Hour
		s.mu.Lock()
		for len(s.h) > 0 {
			if d := s.h[0].at.Sub(now); d > 0 {
				next = d
				break
			}
			due = append(due, heap.Pop(&s.h).(delayed).job)
		}
		s.mu.Unlock()
		for _, j := range due {
			select {
			case s.out <- j:
			case <-ctx.Done():
				return
			}
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
		select {
		case <-t.C:
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// ---- queue and elastic worker pool ------------------------------------------

type queue struct {
	ready    chan *Job
	sched    *scheduler
	board    *statusBoard
	dlq      *deadLetters
	handlers map[string]handlerFunc

	minWorkers, maxWorkers int
	idleTimeout            time.Duration
	workers                int32
	retire                 chan struct{}

	seq                         int64
	done, retried, dead, failed int64
}

func newQueue(board *statusBoard, handlers map[string]handlerFunc) *queue {
	q := &queue{
		ready:       make(chan *Job, 1024),
		board:       board,
		handlers:    handlers,
		minWorkers:  3,
		maxWorkers:  18,
		idleTimeout: 8 * time.Second,
		retire:      make(chan struct{}),
	}
	q.sched = newScheduler(q.ready)
	q.dlq = &deadLetters{}
	return q
}

func (q *queue) newID(prefix string) string {
	return fmt.Sprintf("%s-%06d", prefix, atomic.AddInt64(&q.seq, 1))
}

// Submit enqueues j now, or at runAt if that is in the future.
func (q *queue) Submit(j *Job, runAt time.Time) {
	if j.ID == "" {
		j.ID = q.newID(j.Kind)
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = 4
	}
	j.Enqueued = time.Now()
	if time.Until(runAt) > 0 {
		q.board.set(j.ID, "scheduled", j.Attempt, nil)
		q.sched.At(runAt, j)
		return
	}
	q.board.set(j.ID, "queued", j.Attempt, nil)
	q.ready <- j
}

func (q *queue) start(ctx context.Context) {
	go q.sched.run(ctx)
	for i := 0; i < q.minWorkers; i++ {
		atomic.AddInt32(&q.workers, 1)
		go q.worker(ctx, true)
	}
	go q.autoscale(ctx)
}

// autoscale adds workers while the ready queue is backing up, and retires
// an extra worker after every couple of seconds of empty queue. Extra
// workers also exit on their own after idleTimeout without work.
func (q *queue) autoscale(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	quiet := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		backlog := len(q.ready)
		n := int(atomic.LoadInt32(&q.workers))
		if backlog == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if quiet >= 8 && n > q.minWorkers {
			select {
			case q.retire <- struct{}{}:
				quiet = 4
			default: // everyone is busy after all
			}
		}
		add := 0
		switch {
		case backlog > 64:
			add = 3
		case backlog > 8:
			add = 1
		}
		for i := 0; i < add && n < q.maxWorkers; i++ {
			n++
			atomic.AddInt32(&q.workers, 1)
			go q.worker(ctx, false)
		}
	}
}

func (q *queue) worker(ctx context.Context, core bool) {
	defer atomic.AddInt32(&q.workers, -1)
	idle := time.NewTimer(q.idleTimeout)
	defer idle.Stop()
	retire := q.retire
	if core {
		retire = nil // core workers are never retired
	}
	for {
		select {
		case <-retire:
			return
		case j := <-q.ready:
			q.execute(ctx, j)
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
			idle.Reset(q.idleTimeout)
		case <-idle.C:
			if !core {
				return
			}
			idle.Reset(q.idleTimeout)
		case <-ctx.Done():
			return
		}
	}
}

func (q *queue) execute(ctx context.Context, j *Job) {
	h := q.handlers[j.Kind]
	if h == nil {
		q.board.set(j.ID, "dead", j.Attempt, fmt.Errorf("no handler for %q", j.Kind))
		return
	}
	j.Attempt++
	q.board.set(j.ID, "running", j.Attempt, nil)
	jctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := h(jctx, j)
	cancel()
	if err == nil {
		atomic.AddInt64(&q.done, 1)
		q.board.set(j.ID, "done", j.Attempt, nil)
		return
	}
	atomic.AddInt64(&q.failed, 1)
	j.LastErr = err.Error()
	if errors.Is(err, errPermanent) || j.Attempt >= j.MaxAttempts {
		atomic.AddInt64(&q.dead, 1)
		q.board.set(j.ID, "dead", j.Attempt, err)
		q.dlq.add(j)
		return
	}
	atomic.AddInt64(&q.retried, 1)
	q.board.set(j.ID, "retrying", j.Attempt, err)
	q.sched.At(time.Now().Add(retryDelay(j.Attempt)), j)
}

// retryDelay: exponential from 200ms, capped at 10s, with equal jitter.
func retryDelay(attempt int) time.Duration {
	d := 200 * time.Millisecond << uint(attempt-1)
	if d > 10*time.Second {
		d = 10 * time.Second
	}
	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))
}

// ---- dead letters -----------------------------------------------------------

type deadLetter struct {
	Record  []byte
	DiedAt  time.Time
	Replays int
}

type deadLetters struct {
	mu      sync.Mutex
	entries []deadLetter
}

func (d *deadLetters) add(j *Job) {
	rec, err := json.Marshal(j)
	if err != nil {
		return
	}
	d.mu.Lock()
	d.entries = append(d.entries, deadLetter{Record: rec, DiedAt: time.Now(), Replays: j.Replays})
	if len(d.entries) > 2000 {
		d.entries = d.entries[len(d.entries)-2000:]
	}
	d.mu.Unlock()
}

func (d *deadLetters) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.entries)
}

// redrive periodically re-submits dead letters that have cooled off, a
// bounded number at a time; entries that already had their replays are
// dropped (they would be archived in a real system).
func (q *queue) redrive(every, coolOff time.Duration, maxReplays, perRound int) {
	for range time.Tick(every) {
		now := time.Now()
		var again []deadLetter
		q.dlq.mu.Lock()
		keep := q.dlq.entries[:0]
		for _, e := range q.dlq.entries {
			switch {
			case e.Replays >= maxReplays:
				// archived
			case now.Sub(e.DiedAt) >= coolOff && len(again) < perRound:
				again = append(again, e)
			default:
				keep = append(keep, e)
			}
		}
		q.dlq.entries = keep
		q.dlq.mu.Unlock()

		for i, e := range again {
			var j Job
			if err := json.Unmarshal(e.Record, &j); err != nil {
				continue
			}
			j.Attempt = 0
			j.LastErr = ""
			j.Replays++
			q.board.set(j.ID, "scheduled", 0, nil)
			q.sched.At(now.Add(time.Duration(i)*50*time.Millisecond), &j)
		}
		if len(again) > 0 {
			log.Printf("dlq: redrove %d, %d left", len(again), q.dlq.len())
		}
	}
}
