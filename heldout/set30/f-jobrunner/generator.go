package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync/atomic"
	"time"
)

// generator submits report batches: interactive requests at a rate that
// grows over the run, plus scheduled-report bursts.
type generator struct {
	r     *Runner
	start time.Time
	seq   int64
	drops int64
}

func (g *generator) run(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	sched := time.NewTicker(10 * time.Second)
	defer sched.Stop()
	var acc float64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			rate := 3 + now.Sub(g.start).Seconds()/20 // batches per second
			acc += rate * 0.1
			for ; acc >= 1; acc-- {
				g.submit(fmt.Sprintf("tenant-%d", rand.Intn(40)), 2+rand.Intn(4))
			}
		case <-sched.C:
			n := 8 + rand.Intn(16)
			go func() {
				for i := 0; i < n; i++ {
					g.submit(fmt.Sprintf("sched-%d", rand.Intn(10)), 3+rand.Intn(3))
					time.Sleep(time.Duration(rand.Intn(30)) * time.Millisecond)
				}
			}()
		}
	}
}

func (g *generator) submit(tenant string, steps int) {
	b := &Batch{ID: atomic.AddInt64(&g.seq, 1), Tenant: tenant}
	for i := 0; i < steps; i++ {
		b.Steps = append(b.Steps, Step{
			Key:  fmt.Sprintf("%s/part-%d", tenant, rand.Intn(64)),
			Rows: 100 + rand.Intn(5000),
		})
	}
	if err := g.r.Enqueue(b); err != nil {
		atomic.AddInt64(&g.drops, 1)
	}
}
