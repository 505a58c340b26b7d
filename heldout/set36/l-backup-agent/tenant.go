package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"
)

type backupPolicy struct {
	firstAfter time.Duration
	period     time.Duration
	jitter     time.Duration
	watchWait  time.Duration
	readEvery  time.Duration // disk throttle: one block read per interval
}

// tenant is one customer whose volumes the agent backs up on a schedule.
// Its run goroutine lives as long as the tenant is enrolled; it waits
// either on its schedule or on the uploaders of the backup in progress.
type tenant struct {
	name     string
	agent    *Agent
	store    *storeClient
	volumes  []volumeSpec
	policy   backupPolicy
	throttle *ioThrottle

	cancel context.CancelFunc
	done   chan struct{}

	lastSnap   int64
	replicated int64
	backups    int64
	failures   int64
}

func (t *tenant) run(ctx context.Context) {
	defer close(t.done)

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		t.watchReplication(ctx)
	}()
	defer func() { <-watchDone }()

	sched := newSchedule(t.policy.firstAfter, t.policy.period, t.policy.jitter)
	defer sched.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sched.C():
		}
		start := time.Now()
		err := t.runBackup(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			atomic.AddInt64(&t.failures, 1)
			log.Printf("backup %s failed after %v: %v", t.name, time.Since(start).Round(time.Millisecond), err)
		} else {
			atomic.AddInt64(&t.backups, 1)
		}
		sched.Advance()
	}
}

// watchReplication long-polls the store for the tenant's replicated
// snapshots, so the agent can report off-site protection.
func (t *tenant) watchReplication(ctx context.Context) {
	bo := backoff{base: 500 * time.Millisecond, max: 10 * time.Second}
	for ctx.Err() == nil {
		since := atomic.LoadInt64(&t.replicated)
		wr, err := t.store.Watch(ctx, t.name, since, t.policy.watchWait)
		if err != nil {
			if bo.Wait(ctx) != nil {
				return
			}
			continue
		}
		bo.Reset()
		if wr.Replicated > since {
			atomic.StoreInt64(&t.replicated, wr.Replicated)
		}
	}
}
