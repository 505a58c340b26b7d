package main

import (
	"context"
	"errors"
	"sync"
	"time"
)

var errNoJob = errors.New("queue: no job within wait")

// Job is one unit of work. Attempts counts the leases handed out for it.
type Job struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Payload  map[string]string `json:"payload"`
	Attempts int               `json:"attempts"`
	Enqueued time.Time         `json:"enqueued"`
	LastErr  string            `json:"last_error,omitempty"`
}

// jobQueue is a FIFO with a priority lane and long-poll dequeue: a worker
// that finds it empty parks until a job arrives or its wait runs out.
type jobQueue struct {
	mu      sync.Mutex
	high    []*Job
	normal  []*Job
	waiters []chan struct{}
	dead    []*Job

	maxAttempts int
	delayed     int
	enqueued    int64
	retried     int64
	buried      int64
}

func newJobQueue(maxAttempts int) *jobQueue {
	return &jobQueue{maxAttempts: maxAttempts}
}

func (q *jobQueue) Enqueue(j *Job, priority bool) {
	q.mu.Lock()
	if priority {
		q.high = append(q.high, j)
	} else {
		q.normal = append(q.normal, j)
	}
	q.enqueued++
	q.wakeOneLocked()
	q.mu.Unlock()
}

func (q *jobQueue) wakeOneLocked() {
	for len(q.waiters) > 0 {
		ch := q.waiters[0]
		q.waiters = q.waiters[1:]
		select {
		case ch <- struct{}{}:
			return
		default:
		}
	}
}

func (q *jobQueue) popLocked() *Job {
	if len(q.high) > 0 {
		j := q.high[0]
		q.high = q.high[1:]
		return j
	}
	if len(q.normal) > 0 {
		j := q.normal[0]
		q.normal[0] = nil
		q.normal = q.normal[1:]
		return j
	}
	return nil
}

// Dequeue hands out the next job, waiting up to wait for one to arrive.
func (q *jobQueue) Dequeue(ctx context.Context, wait time.Duration) (*Job, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		q.mu.Lock()
		if j := q.popLocked(); j != nil {
			q.mu.Unlock()
			return j, nil
		}
		ready := make(chan struct{}, 1)
		q.waiters = append(q.waiters, ready)
		q.mu.Unlock()

		select {
		case <-ready:
			// Another worker may have raced us to it; look again.
		case <-deadline.C:
			q.dropWaiter(ready)
			return nil, errNoJob
		case <-ctx.Done():
			q.dropWaiter(ready)
			return nil, ctx.Err()
		}
	}
}

// dropWaiter forgets a waiter that gave up. If it had already been
// signalled, the wake-up is passed on so the job is not left sitting.
func (q *jobQueue) dropWaiter(ch chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, w := range q.waiters {
		if w == ch {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return
		}
	}
	if len(ch) > 0 && (len(q.high) > 0 || len(q.normal) > 0) {
		q.wakeOneLocked()
	}
}

// RetryLater puts a failed job back after an exponential back-off, or
// buries it once it has used up its attempts.
func (q *jobQueue) RetryLater(j *Job, reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j.LastErr = reason
	if j.Attempts >= q.maxAttempts {
		q.dead = append(q.dead, j)
		q.buried++
		if len(q.dead) > 200 {
			q.dead = q.dead[len(q.dead)-200:]
		}
		return
	}
	q.retried++
	q.delayed++
	backoff := time.Duration(1<<uint(j.Attempts)) * 500 * time.Millisecond
	time.AfterFunc(backoff, func() {
		q.mu.Lock()
		q.delayed--
		q.mu.Unlock()
		q.Enqueue(j, false)
	})
}

// Requeue puts a job whose lease expired at the front of the queue.
func (q *jobQueue) Requeue(j *Job) {
	q.mu.Lock()
	q.retried++
	q.mu.Unlock()
	q.Enqueue(j, true)
}

type queueStats struct {
	Ready    int   `json:"ready"`
	Delayed  int   `json:"delayed"`
	Waiting  int   `json:"waiting"`
	Enqueued int64 `json:"enqueued"`
	Retried  int64 `json:"retried"`
	Buried   int64 `json:"buried"`
}

func (q *jobQueue) stats() queueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return queueStats{
		Ready:    len(q.high) + len(q.normal),
		Delayed:  q.delayed,
		Waiting:  len(q.waiters),
		Enqueued: q.enqueued,
		Retried:  q.retried,
		Buried:   q.buried,
	}
}
