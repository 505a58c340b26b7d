package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Job is a unit of work submitted to a tenant queue.
type Job struct {
	ID       string        `json:"id"`
	Queue    string        `json:"queue"`
	Kind     string        `json:"kind"`
	Input    string        `json:"input"`
	Steps    int           `json:"steps"`
	StepTime time.Duration `json:"step_time"`
	Deadline time.Duration `json:"deadline"`
	Attempt  int           `json:"attempt"`
}

// Grant is what a worker gets back from a successful claim.
type Grant struct {
	Lease string        `json:"lease"`
	TTL   time.Duration `json:"ttl"`
	Job   Job           `json:"job"`
}

// taskQueue is a FIFO of pending jobs. Waiting claimers park on ready,
// which is closed and replaced every time something is pushed.
type taskQueue struct {
	name    string
	mu      sync.Mutex
	pending []*Job
	ready   chan struct{}
}

func newTaskQueue(name string) *taskQueue {
	return &taskQueue{name: name, ready: make(chan struct{})}
}

func (q *taskQueue) push(j *Job) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	close(q.ready)
	q.ready = make(chan struct{})
	q.mu.Unlock()
}

func (q *taskQueue) depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// take pops the oldest job, waiting for one until ctx ends.
func (q *taskQueue) take(ctx context.Context) *Job {
	for {
		q.mu.Lock()
		if len(q.pending) > 0 {
			j := q.pending[0]
			q.pending[0] = nil
			q.pending = q.pending[1:]
			q.mu.Unlock()
			return j
		}
		ready := q.ready
		q.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		}
	}
}

// lease is a job handed to a worker for ttl. The expiry timer is armed in
// grant and waited on by the lease's watch goroutine, which pushes it
// back on every renewal and requeues the job if it ever fires.
type lease struct {
	id      string
	job     *Job
	ttl     time.Duration
	expiry  *time.Timer
	renewed chan time.Duration
	done    chan struct{}
	endOnce sync.Once
}

func (l *lease) end() bool {
	ended := false
	l.endOnce.Do(func() { close(l.done); ended = true })
	return ended
}

type coordinator struct {
	leaseTTL time.Duration

	mu     sync.Mutex
	queues map[string]*taskQueue
	leases map[string]*lease
	seq    uint64

	stallMu      sync.RWMutex
	stalledUntil time.Time

	submitted, granted, completed, failed, expired, requeued, renewals, gone atomic.Int64
}

func newCoordinator(ttl time.Duration) *coordinator {
	return &coordinator{
		leaseTTL: ttl,
		queues:   make(map[string]*taskQueue),
		leases:   make(map[string]*lease),
	}
}

func (c *coordinator) queue(name string) *taskQueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.queues[name]
	if !ok {
		q = newTaskQueue(name)
		c.queues[name] = q
	}
	return q
}

func (c *coordinator) activeLeases() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.leases)
}

func (c *coordinator) backlog() int {
	c.mu.Lock()
	qs := make([]*taskQueue, 0, len(c.queues))
	for _, q := range c.queues {
		qs = append(qs, q)
	}
	c.mu.Unlock()
	n := 0
	for _, q := range qs {
		n += q.depth()
	}
	return n
}

func (c *coordinator) grant(j *Job) *lease {
	c.mu.Lock()
	c.seq++
	l := &lease{
		id:      fmt.Sprintf("L%06d", c.seq),
		job:     j,
		ttl:     c.leaseTTL,
		renewed: make(chan time.Duration),
		done:    make(chan struct{}),
	}
	l.expiry = time.NewTimer(l.ttl)
	c.leases[l.id] = l
	c.mu.Unlock()
	c.granted.Add(1)
	go c.watch(l)
	return l
}

// watch keeps a lease alive while it is renewed and takes it back when
// the holder goes quiet for longer than its TTL.
func (c *coordinator) watch(l *lease) {
	defer l.expiry.Stop()
	for {
		select {
		case <-l.done:
			return
		case ttl := <-l.renewed:
			if !l.expiry.Stop() {
				select {
				case <-l.expiry.C:
				default:
				}
			}
			l.expiry.Reset(ttl)
		case <-l.expiry.C:
			if c.release(l.id) != nil && l.end() {
				c.expired.Add(1)
				c.requeue(l.job, 0)
			}
			return
		}
	}
}

func (c *coordinator) lookup(id string) *lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leases[id]
}

func (c *coordinator) release(id string) *lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.leases[id]
	delete(c.leases, id)
	return l
}

func (c *coordinator) requeue(j *Job, after time.Duration) {
	nj := *j
	nj.Attempt++
	c.requeued.Add(1)
	q := c.queue(nj.Queue)
	if after <= 0 {
		q.push(&nj)
		return
	}
	time.AfterFunc(after, func() { q.push(&nj) })
}

func (c *coordinator) stalled() bool {
	c.stallMu.RLock()
	defer c.stallMu.RUnlock()
	return time.Now().Before(c.stalledUntil)
}

// failovers simulates the coordinator's primary handing over to a standby
// every so often: for a few seconds renewals and claims are refused with
// 503 and clients have to ride it out.
func (c *coordinator) failovers(ctx context.Context) {
	for sleepCtx(ctx, jitter(18*time.Second, 30*time.Second)) == nil {
		d := jitter(1500*time.Millisecond, 4*time.Second)
		c.stallMu.Lock()
		c.stalledUntil = time.Now().Add(d)
		c.stallMu.Unlock()
		log.Printf("coordinator: failover, refusing writes for %v", d.Round(time.Millisecond))
	}
}

func (c *coordinator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/jobs", c.handleSubmit)
	mux.HandleFunc("/v1/claim", c.handleClaim)
	mux.HandleFunc("/v1/leases/", c.handleLease)
	return mux
}

func (c *coordinator) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var j Job
	if err := json.NewDecoder(r.Body).Decode(&j); err != nil || j.Queue == "" {
		http.Error(w, "bad job", http.StatusBadRequest)
		return
	}
	c.submitted.Add(1)
	c.queue(j.Queue).push(&j)
	w.WriteHeader(http.StatusAccepted)
}

func (c *coordinator) handleClaim(w http.ResponseWriter, r *http.Request) {
	qname := r.URL.Query().Get("queue")
	wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if qname == "" || err != nil {
		http.Error(w, "queue and wait required", http.StatusBadRequest)
		return
	}
	if c.stalled() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "failover in progress", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	j := c.queue(qname).take(ctx)
	if j == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Context().Err() != nil {
		// The claimer hung up while we were picking the job: put it back.
		c.queue(qname).push(j)
		return
	}
	l := c.grant(j)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Grant{Lease: l.id, TTL: l.ttl, Job: *j})
}

// handleLease serves /v1/leases/{id}/{renew|complete|fail}.
func (c *coordinator) handleLease(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/leases/"), "/")
	if len(parts) != 2 || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	id, op := parts[0], parts[1]
	if c.stalled() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "failover in progress", http.StatusServiceUnavailable)
		return
	}
	switch op {
	case "renew":
		l := c.lookup(id)
		if l == nil {
			c.gone.Add(1)
			http.Error(w, "lease gone", http.StatusGone)
			return
		}
		select {
		case l.renewed <- l.ttl:
			c.renewals.Add(1)
			w.WriteHeader(http.StatusNoContent)
		case <-l.done:
			c.gone.Add(1)
			http.Error(w, "lease gone", http.StatusGone)
		case <-r.Context().Done():
		}
	case "complete":
		l := c.release(id)
		if l == nil || !l.end() {
			http.Error(w, "lease gone", http.StatusGone)
			return
		}
		c.completed.Add(1)
		w.WriteHeader(http.StatusNoContent)
	case "fail":
		l := c.release(id)
		if l == nil || !l.end() {
			http.Error(w, "lease gone", http.StatusGone)
			return
		}
		c.failed.Add(1)
		retry, _ := strconv.ParseBool(r.URL.Query().Get("retry"))
		if retry && l.job.Attempt < 3 {
			c.requeue(l.job, jitter(2*time.Second, 6*time.Second)<<l.job.Attempt)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}
