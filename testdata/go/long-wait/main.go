// long-wait: runs about 2.5 minutes and takes its snapshots at ~0s, ~70s
// and ~140s, so the debug=2 dumps carry real wait times such as
// "[chan receive, 2 minutes]". Every snapshot adds 10 stream consumers
// that range over a channel their producer never closes
// (range-unclosed-channel); a pool of 4 idle workers waits just as long
// but does not grow.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"

	"example.com/leaks/internal/snap"
)

var interval = flag.Duration("interval", 70*time.Second, "time between snapshots")

type Event struct{ Seq int }

type Pool struct{ jobs chan func() }

func (p *Pool) worker() {
	for job := range p.jobs {
		job()
	}
}

func consumeStream(ch <-chan Event, total *int) {
	for ev := range ch {
		*total += ev.Seq
	}
}

func openStream(n int, total *int) {
	ch := make(chan Event)
	go consumeStream(ch, total)
	for i := 0; i < 3; i++ {
		ch <- Event{Seq: n + i}
	}
	// BUG: close(ch) missing
}

func main() {
	snap.Start()
	p := &Pool{jobs: make(chan func())}
	for i := 0; i < 4; i++ {
		go p.worker()
	}
	totals := make([]int, 30)
	start := time.Now()
	for k := 1; k <= 3; k++ {
		if k > 1 {
			time.Sleep(time.Until(start.Add(time.Duration(k-1) * *interval)))
		}
		// The runtime stamps a blocked goroutine's wait start during the
		// first GC that sees it blocked, with the mark-termination time of
		// the GC before that one. A busy service GCs all the time; this idle
		// program forces one now so that the stamps are accurate.
		runtime.GC()
		for i := 0; i < 10; i++ {
			openStream(k*100+i, &totals[(k-1)*10+i])
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("snapshot %d at %s\n", k, time.Since(start).Round(time.Second))
	}
	snap.Finish("long-wait")
}
