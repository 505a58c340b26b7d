package main

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errUnknownLease = errors.New("lease: unknown or expired")
	errWrongWorker  = errors.New("lease: held by another worker")
)

// lease is a worker's time-limited claim on a job. Heartbeats push the
// deadline out; the supervisor re-arms the expiry timer lazily when it
// fires early.
type lease struct {
	id       string
	job      *Job
	worker   string
	granted  time.Time
	deadline time.Time // guarded by leaseManager.mu

	expiry   *time.Timer
	released chan struct{} // closed when the worker is done with the job
}

// leaseManager tracks the leases handed out by the queue. Every lease
// has a supervisor goroutine that requeues its job if the worker neither
// finishes nor renews it before the deadline.
type leaseManager struct {
	q *jobQueue

	mu     sync.Mutex
	active map[string]*lease
	seq    int64

	granted, completed, failed, expired, renewed int64
}

func newLeaseManager(q *jobQueue) *leaseManager {
	return &leaseManager{q: q, active: make(map[string]*lease)}
}

func (m *leaseManager) Grant(j *Job, worker string, ttl time.Duration) *lease {
	now := time.Now()
	m.mu.Lock()
	m.seq++
	j.Attempts++
	l := &lease{
		id:       fmt.Sprintf("L%07d-%s", m.seq, j.ID),
		job:      j,
		worker:   worker,
		granted:  now,
		deadline: now.Add(ttl),
		expiry:   time.NewTimer(ttl),
		released: make(chan struct{}),
	}
	m.active[l.id] = l
	m.granted++
	m.mu.Unlock()

	go m.supervise(l)
	return l
}

// supervise waits for the lease to be released or to run out. A renewal
// only moves the deadline, so when the timer fires early it is re-armed
// for the remainder.
func (m *leaseManager) supervise(l *lease) {
	for {
		select {
		case <-l.released:
			return
		case <-l.expiry.C:
			remaining, live := m.remaining(l)
			if !live {
				return
			}
			if remaining > 0 {
				l.expiry.Reset(remaining)
				continue
			}
			m.expire(l)
			return
		}
	}
}

func (m *leaseManager) remaining(l *lease) (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active[l.id] != l {
		return 0, false
	}
	return time.Until(l.deadline), true
}

func (m *leaseManager) expire(l *lease) {
	m.mu.Lock()
	if m.active[l.id] != l {
		m.mu.Unlock()
		return
	}
	delete(m.active, l.id)
	m.expired++
	m.mu.Unlock()
	m.q.Requeue(l.job)
}

// lookup returns the live lease id held by worker.
func (m *leaseManager) lookupLocked(id, worker string) (*lease, error) {
	l, ok := m.active[id]
	if !ok {
		return nil, errUnknownLease
	}
	if l.worker != worker {
		return nil, errWrongWorker
	}
	return l, nil
}

// Renew extends the lease by ttl from now.
func (m *leaseManager) Renew(id, worker string, ttl time.Duration) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.lookupLocked(id, worker)
	if err != nil {
		return time.Time{}, err
	}
	l.deadline = time.Now().Add(ttl)
	m.renewed++
	return l.deadline, nil
}

// Complete ends the lease of a job that succeeded.
func (m *leaseManager) Complete(id, worker string) error {
	m.mu.Lock()
	l, err := m.lookupLocked(id, worker)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	delete(m.active, id)
	m.completed++
	m.mu.Unlock()

	l.expiry.Stop()
	close(l.released)
	return nil
}

// Fail ends the lease of a job that failed and hands the job back to the
// queue for a delayed retry. The expiry timer is stopped so the
// supervisor does not requeue the job a second time.
func (m *leaseManager) Fail(id, worker, reason string) error {
	m.mu.Lock()
	l, err := m.lookupLocked(id, worker)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	delete(m.active, id)
	m.failed++
	m.mu.Unlock()

	l.expiry.Stop()
	m.q.RetryLater(l.job, reason)
	return nil
}

type leaseStats struct {
	Active    int   `json:"active"`
	Granted   int64 `json:"granted"`
	Completed int64 `json:"completed"`
	Failed    int64 `json:"failed"`
	Expired   int64 `json:"expired"`
	Renewed   int64 `json:"renewed"`
}

func (m *leaseManager) stats() leaseStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return leaseStats{Active: len(m.active), Granted: m.granted, Completed: m.completed, Failed: m.failed, Expired: m.expired, Renewed: m.renewed}
}

var jobSeq int64

func nextJobID(kind string) string {
	return fmt.Sprintf("%s-%06d", kind, atomic.AddInt64(&jobSeq, 1))
}
