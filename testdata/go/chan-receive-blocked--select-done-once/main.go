// chan-receive-blocked--select-done-once: each job gets a watcher,
// `go w.watch(j)`, whose select (run once, no loop) waits for the job's
// done or failed channel. A retry submits a new job and abandons the old
// one: nothing ever closes its done channel nor sends on failed.
package main

import (
	"errors"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Job struct {
	ID     int
	done   chan struct{}
	failed chan error
}

type Watcher struct {
	ready, broken int
	results       chan string
}

func (w *Watcher) watch(j *Job) {
	select {
	case <-j.done:
		w.results <- "ready"
	case err := <-j.failed:
		w.results <- err.Error()
	}
}

func (w *Watcher) Submit(id int, attempt int) {
	j := &Job{ID: id, done: make(chan struct{}), failed: make(chan error, 1)}
	go w.watch(j)
	switch {
	case id%4 == 0 && attempt == 0:
		// transient error: retried as a new job; j is abandoned
		w.Submit(id, attempt+1)
	case id%7 == 0:
		j.failed <- errors.New("bad input")
	default:
		close(j.done)
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	w := &Watcher{results: make(chan string, 1024)}
	go func() {
		for r := range w.results {
			if r == "ready" {
				w.ready++
			} else {
				w.broken++
			}
		}
	}()
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 40; i++ {
			id++
			n := id
			pool.Do(func() { w.Submit(n, 0) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-receive-blocked--select-done-once")
}
