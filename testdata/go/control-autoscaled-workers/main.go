// control-autoscaled-workers (leak-free): a payment-posting queue whose
// worker pool is grown by a simple autoscaler as the load steps up: the
// producer reports its rate and the autoscaler adds workers until the pool
// matches it, 3 → 7 → 12. Each worker ranges over the queue and posts one
// job after the other to a shared ledger that commits under a mutex (the
// slow, shared resource). The workers live for the whole run, so their ids
// survive from snapshot to snapshot, yet each one finishes every posting
// and takes the next job. Each snapshot is taken in the middle of a load
// step while the ledger is held for a checkpoint: every worker is caught
// inside process, waiting for the ledger with a different job. Closing the
// queue stops the workers; closing the load reports stops the autoscaler.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID      int
	Account string
	Amount  int
}

// Entry is what a worker posts for a job.
type Entry struct {
	Ref     string
	Account string
	Amount  int
	Fee     int
}

// Ledger is shared by every worker: a posting holds the lock while it is
// committed.
type Ledger struct {
	mu       sync.Mutex
	balances map[string]int
	commit   time.Duration
	posted   int64
}

func (l *Ledger) Post(e *Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	time.Sleep(l.commit) // write-ahead log sync
	l.balances[e.Account] += e.Amount - e.Fee
	atomic.AddInt64(&l.posted, 1)
}

// Checkpoint holds the ledger (no posting commits) while fn runs.
func (l *Ledger) Checkpoint(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn()
}

func (l *Ledger) Posted() int64 { return atomic.LoadInt64(&l.posted) }

type Worker struct {
	id       int
	ledger   *Ledger
	done     int
	rejected int
}

func (w *Worker) run(jobs <-chan *Job, wg *sync.WaitGroup) {
	defer wg.Done()
	for job := range jobs {
		w.process(job)
	}
}

func (w *Worker) process(job *Job) {
	if job.Amount <= 0 || job.Account == "" {
		w.rejected++
		return
	}
	e := &Entry{
		Ref:     fmt.Sprintf("w%d-j%d", w.id, job.ID),
		Account: job.Account,
		Amount:  job.Amount * 100,
		Fee:     job.Amount,
	}
	w.ledger.Post(e)
	w.done++
}

type Pool struct {
	jobs    chan *Job
	ledger  *Ledger
	wg      sync.WaitGroup
	mu      sync.Mutex
	workers []*Worker
}

func (p *Pool) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.workers)
}

func (p *Pool) addWorker() {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := &Worker{id: len(p.workers) + 1, ledger: p.ledger}
	p.workers = append(p.workers, w)
	p.wg.Add(1)
	go w.run(p.jobs, &p.wg)
}

// Close stops taking jobs; the workers finish the queue and return.
func (p *Pool) Close() {
	close(p.jobs)
	p.wg.Wait()
}

// Autoscaler sizes the pool from the load reports: one worker per
// perWorker jobs a second, up to max. It never scales down here.
type Autoscaler struct {
	pool      *Pool
	perWorker int
	max       int
	loads     chan int
	done      chan struct{}
}

func (a *Autoscaler) run() {
	defer close(a.done)
	for rate := range a.loads {
		want := (rate + a.perWorker - 1) / a.perWorker
		if want > a.max {
			want = a.max
		}
		for a.pool.Size() < want {
			a.pool.addWorker()
		}
	}
}

func (a *Autoscaler) Report(rate int) { a.loads <- rate }

func (a *Autoscaler) Stop() {
	close(a.loads)
	<-a.done
}

// produce submits n jobs to the queue.
func produce(jobs chan<- *Job, first, n int, done chan<- struct{}) {
	defer close(done)
	for i := 0; i < n; i++ {
		id := first + i
		jobs <- &Job{ID: id, Account: fmt.Sprintf("acct-%d", id%17), Amount: 1 + id%5}
	}
}

func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func main() {
	snap.Start()
	ledger := &Ledger{balances: map[string]int{}, commit: 200 * time.Microsecond}
	pool := &Pool{jobs: make(chan *Job, 32), ledger: ledger}
	scaler := &Autoscaler{pool: pool, perWorker: 100, max: 16, loads: make(chan int), done: make(chan struct{})}
	go scaler.run()

	rates := []int{300, 700, 1200} // jobs a second: 3, 7, 12 workers
	next := 0
	for k, rate := range rates {
		scaler.Report(rate)
		n := rate / 2 // half a second of load
		start := ledger.Posted()
		produced := make(chan struct{})
		go produce(pool.jobs, next, n, produced)
		next += n
		// A third of the step in, the ledger checkpoints: every worker
		// holds a job and waits for the ledger.
		waitUntil(10*time.Second, func() bool { return ledger.Posted()-start >= int64(n/3) })
		ledger.Checkpoint(func() {
			snap.Settle()
			snap.Goroutines(k + 1)
		})
		<-produced
		waitUntil(10*time.Second, func() bool { return ledger.Posted()-start >= int64(n) })
		fmt.Printf("step %d: %d workers, %d jobs posted\n", k+1, pool.Size(), ledger.Posted()-start)
	}
	scaler.Stop()
	pool.Close()
	if ledger.Posted() != int64(next) {
		fmt.Fprintf(os.Stderr, "posted %d of %d jobs\n", ledger.Posted(), next)
		os.Exit(1)
	}
	if !waitUntil(5*time.Second, func() bool { return runtime.NumGoroutine() == 1 }) {
		fmt.Fprintf(os.Stderr, "%d goroutines left behind\n", runtime.NumGoroutine())
		os.Exit(1)
	}
	snap.Finish("control-autoscaled-workers")
}
