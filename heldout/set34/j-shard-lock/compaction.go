package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

const maxJobLifetime = 90 * time.Second

// compactors run one compaction job per storage region at a time. Two
// replicas per region try the region's lock every 5-15 s without waiting;
// the winner runs the job under a kept-alive lease and a maximum lifetime
// of 90 s (jobs take 20-120 s; the long ones are cut off and resume next
// time). A region is added every 10 s.
type compactors struct {
	locks *Client

	regions, running, done, aborted atomic.Int64
}

func newCompactors(c *Client) *compactors { return &compactors{locks: c} }

func (cp *compactors) run(ctx context.Context) {
	add := func() {
		region := fmt.Sprintf("region-%02d", cp.regions.Add(1))
		for r := 0; r < 2; r++ {
			go cp.replica(ctx, region)
		}
	}
	add()
	add()
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			if cp.regions.Load() < 14 {
				add()
			}
		}
	}
}

func (cp *compactors) replica(ctx context.Context, region string) {
	for {
		if !sleepCtx(ctx, between(5*time.Second, 15*time.Second)) {
			return
		}
		lease, err := cp.locks.Acquire(ctx, "compact/"+region, AcquireOptions{TTL: 9 * time.Second, Wait: -1, KeepAlive: true})
		if err != nil {
			continue // the other replica has it
		}
		cp.runJob(ctx, region, lease)
	}
}

func (cp *compactors) runJob(ctx context.Context, region string, lease *Lease) {
	cp.running.Add(1)
	defer cp.running.Add(-1)

	jctx, cancel := context.WithTimeout(ctx, maxJobLifetime)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- compactRegion(jctx, region, between(20*time.Second, 120*time.Second)) }()

	var err error
	select {
	case err = <-done:
	case <-lease.Lost():
		cancel()
		err = <-done
	}
	if err != nil {
		cp.aborted.Add(1)
	} else {
		cp.done.Add(1)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = lease.Release(rctx)
	rcancel()
}

// compactRegion stands in for the merge RPC to the region's storage nodes,
// which returns when the merge is done or the job's deadline passes.
func compactRegion(ctx context.Context, region string, work time.Duration) error {
	merge := time.NewTimer(work)
	defer merge.Stop()
	select {
	case <-merge.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("compact %s: %w", region, ctx.Err())
	}
}
