// sleep-loop: each export request starts a poller
// `for { time.Sleep(interval); if done() { return } }` whose condition
// never becomes true (the job it waits for was never enqueued), so the
// pollers pile up in "sleep".
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type JobTracker struct {
	mu       sync.Mutex
	finished map[string]bool
}

func (t *JobTracker) isFinished(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.finished[id]
}

// pollUntilFinished has no deadline and no way to be cancelled.
func (t *JobTracker) pollUntilFinished(id string, interval time.Duration, notify func(string)) {
	for {
		time.Sleep(interval)
		if t.isFinished(id) {
			notify(id)
			return
		}
	}
}

func (t *JobTracker) startExport(n int) {
	id := fmt.Sprintf("export-%d", n)
	// BUG: the job itself is never enqueued when the queue is full.
	go t.pollUntilFinished(id, 30*time.Second, func(string) {})
}

func main() {
	snap.Start()
	t := &JobTracker{finished: map[string]bool{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			t.startExport(n)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("sleep-loop")
}
