// Package bg is the leak-free background of the variant programs: a small
// worker pool fed through a job channel and a ticker daemon, the ordinary
// long-lived goroutines a service has next to its leak. Both are constant
// across snapshots; Stop ends them.
package bg

import (
	"sync"
	"time"
)

// Pool is a fixed set of workers ranging over a live job queue.
type Pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

// NewPool starts n workers.
func NewPool(n int) *Pool {
	p := &Pool{jobs: make(chan func())}
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go p.worker()
	}
	return p
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for job := range p.jobs {
		job()
	}
}

// Do runs f on a worker and waits until a worker took it.
func (p *Pool) Do(f func()) { p.jobs <- f }

// Stop closes the queue and waits for the workers.
func (p *Pool) Stop() {
	close(p.jobs)
	p.wg.Wait()
}

// Daemon is a ticker loop that runs until stopped, with its ticker stopped
// on the way out.
type Daemon struct {
	stop chan struct{}
	done chan struct{}
	runs int
}

// StartDaemon starts the loop; the period is long so it never fires
// during a capture.
func StartDaemon(every time.Duration) *Daemon {
	d := &Daemon{stop: make(chan struct{}), done: make(chan struct{})}
	go d.loop(every)
	return d
}

func (d *Daemon) loop(every time.Duration) {
	defer close(d.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.runs++
		case <-d.stop:
			return
		}
	}
}

// Stop ends the loop and waits for it.
func (d *Daemon) Stop() {
	close(d.stop)
	<-d.done
}

// Start starts the usual background: a pool of n workers and a daemon.
func Start(n int) (*Pool, *Daemon) {
	return NewPool(n), StartDaemon(time.Hour)
}
