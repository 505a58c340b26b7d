// stuck-minutes: runs about 2 minutes and takes its snapshots at ~75 s,
// ~95 s and ~115 s, 20 s apart as a service's snapshots often are, so the
// debug=2 dumps show goroutines blocked for a minute and more while the
// group's longest wait reads "1 minutes" in every snapshot (it does not
// grow with the clock). (*Exporter).publish sends each report on an
// unbuffered channel whose reader stopped after the first: 10 reports at
// the start, 5 more just before each later snapshot (10 → 15 → 20), all
// stuck in chan send, which a live program completes within seconds. Six
// reminder goroutines wait in a select on timers due in 10 minutes, as
// long, but waiting there is their job; they do not grow.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"

	"example.com/leaks/internal/snap"
)

var first = flag.Duration("first", 75*time.Second, "time of the first snapshot")
var interval = flag.Duration("interval", 20*time.Second, "time between snapshots")

type Report struct {
	ID    int
	Lines []string
}

type Exporter struct {
	out  chan Report
	sent int
}

// collect reads one report and stops (BUG: it returns on the first
// error and nobody drains out afterwards).
func (e *Exporter) collect() {
	r := <-e.out
	_ = r
}

func (e *Exporter) publish(r Report) {
	e.out <- r
}

func remind(due time.Duration, cancel <-chan struct{}) {
	t := time.NewTimer(due)
	defer t.Stop()
	select {
	case <-t.C:
	case <-cancel:
	}
}

func main() {
	snap.Start()
	e := &Exporter{out: make(chan Report)}
	go e.collect()
	cancel := make(chan struct{})
	for i := 0; i < 6; i++ {
		go remind(10*time.Minute, cancel)
	}
	next := 0
	publish := func(n int) {
		for i := 0; i < n; i++ {
			next++
			go e.publish(Report{ID: next, Lines: []string{"ok"}})
		}
	}
	publish(11) // the first is read by collect
	start := time.Now()
	for k := 1; k <= 3; k++ {
		if k > 1 {
			publish(5)
		}
		// The runtime stamps a blocked goroutine's wait start in the first
		// GC that sees it blocked, with the time of the GC before; a busy
		// service collects all the time, this idle program every 2 s.
		for due := start.Add(*first + time.Duration(k-1)**interval); time.Until(due) > 0; {
			nap := time.Until(due)
			if nap > 2*time.Second {
				nap = 2 * time.Second
			}
			time.Sleep(nap)
			runtime.GC()
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("snapshot %d at %s\n", k, time.Since(start).Round(time.Second))
	}
	snap.Finish("stuck-minutes")
}
