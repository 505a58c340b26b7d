// control-delayed-jobs (leak-free): jobs scheduled for later are each run
// by a goroutine that sleeps until the job is due (`go func() {
// time.Sleep(delay); run(job) }()`). Delays run from 3 s to a minute, so
// most sleepers outlive several snapshots, and more jobs are queued as the
// load rises (12, 18, 24 per snapshot, 2 s apart): the sleepers grow
// 12 → 30 → 50, but four jobs of the first batch, due within 4 s, run and
// their goroutines exit before the third snapshot.
package main

import (
	"fmt"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID    int
	Kind  string
	Delay time.Duration
}

var ran atomic.Int64

func run(j Job) {
	_ = fmt.Sprintf("%s-%d", j.Kind, j.ID)
	ran.Add(1)
}

func schedule(j Job) {
	go func() {
		time.Sleep(j.Delay)
		run(j)
	}()
}

func main() {
	snap.Start()
	start := time.Now()
	id := 0
	for k := 1; k <= 3; k++ {
		time.Sleep(time.Until(start.Add(time.Duration(k-1) * 2 * time.Second)))
		for i := 0; i < 6+6*k; i++ {
			id++
			d := 10*time.Second + time.Duration((i*11+k*5)%50)*time.Second
			if k == 1 && i < 4 {
				d = 3*time.Second + time.Duration(i)*250*time.Millisecond
			}
			schedule(Job{ID: id, Kind: []string{"email", "invoice", "cleanup"}[i%3], Delay: d})
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("snapshot %d at %s: %d ran\n", k, time.Since(start).Round(10*time.Millisecond), ran.Load())
	}
	snap.Finish("control-delayed-jobs")
}
