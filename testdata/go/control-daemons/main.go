// control-daemons (leak-free): the long-lived goroutines every service has,
// one of each, all stoppable: a flusher on a time.Ticker with a stop
// channel, a reload watcher on a signal channel (signal.Notify), a
// scheduler loop on a time.Timer that is reset, a janitor that sleeps in a
// loop (time.Sleep of an hour) and a config watcher waiting on its
// context. Counts are constant over four snapshots; all but the janitor
// are stopped at the end (it lives as long as the process).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"example.com/leaks/internal/snap"
)

type Flusher struct {
	stop    chan struct{}
	flushes int
}

func (f *Flusher) run(wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.flushes++
		case <-f.stop:
			return
		}
	}
}

type Reloader struct {
	sigs    chan os.Signal
	reloads int
}

func (r *Reloader) watch(wg *sync.WaitGroup) {
	defer wg.Done()
	for range r.sigs {
		r.reloads++
	}
}

type Scheduler struct {
	kick chan time.Duration
	quit chan struct{}
	runs int
}

func (s *Scheduler) loop(wg *sync.WaitGroup) {
	defer wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			s.runs++
			timer.Reset(time.Hour)
		case d := <-s.kick:
			if !timer.Stop() {
				<-timer.C
			}
			timer.Reset(d)
		case <-s.quit:
			return
		}
	}
}

type Janitor struct {
	mu      sync.Mutex
	stopped bool
	sweeps  int
}

func (j *Janitor) run() {
	for {
		time.Sleep(time.Hour)
		j.mu.Lock()
		if j.stopped {
			j.mu.Unlock()
			return
		}
		j.sweeps++
		j.mu.Unlock()
	}
}

func watchConfig(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	<-ctx.Done()
}

func main() {
	snap.Start()
	var wg sync.WaitGroup
	f := &Flusher{stop: make(chan struct{})}
	r := &Reloader{sigs: make(chan os.Signal, 1)}
	signal.Notify(r.sigs, syscall.SIGHUP)
	s := &Scheduler{kick: make(chan time.Duration), quit: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Janitor{}
	go j.run()
	wg.Add(4)
	go f.run(&wg)
	go r.watch(&wg)
	go s.loop(&wg)
	go watchConfig(ctx, &wg)
	for k := 1; k <= 4; k++ {
		s.kick <- time.Duration(k) * time.Hour
		snap.Settle()
		snap.Goroutines(k)
	}
	close(f.stop)
	signal.Stop(r.sigs)
	close(r.sigs)
	close(s.quit)
	cancel()
	wg.Wait()
	j.mu.Lock()
	j.stopped = true // noticed at its next wake-up
	j.mu.Unlock()
	fmt.Printf("flushes %d, reloads %d, runs %d\n", f.flushes, r.reloads, s.runs)
	snap.Finish("control-daemons")
}
