// Command jobrunner executes report batches: each batch is a handful of
// shard queries run in parallel and merged in order. Batches arrive on an
// intake queue served by an elastic set of coordinators.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	be := newBackend(16)
	r := NewRunner(be, RunnerConfig{
		BatchTimeout:    1500 * time.Millisecond,
		MinCoordinators: 2,
		MaxCoordinators: 24,
		IdleAfter:       3 * time.Second,
		IntakeSize:      128,
		MaxAttempts:     2,
	})
	go r.Supervise(ctx)

	gen := &generator{r: r, start: time.Now()}
	go gen.run(ctx)

	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r.logStats()
			}
		}
	}()

	<-ctx.Done()
}
