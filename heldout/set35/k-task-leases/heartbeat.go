package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// heartbeat renews a lease every TTL/3 until it is stopped. A renewal
// refused during a coordinator failover is not fatal (the lease has two
// more periods of slack), so those are only counted; when the
// coordinator says the lease is gone the job is told through lost, and
// the runner, which owns the heartbeat, stops it once it has wound down.
type heartbeat struct {
	cl    *coordClient
	lease string
	every time.Duration

	stopc    chan struct{}
	stopOnce sync.Once
	lost     chan struct{}
	lostOnce sync.Once

	renewals atomic.Int64
	misses   atomic.Int64
}

func newHeartbeat(cl *coordClient, lease string, ttl time.Duration) *heartbeat {
	return &heartbeat{
		cl:    cl,
		lease: lease,
		every: ttl / 3,
		stopc: make(chan struct{}),
		lost:  make(chan struct{}),
	}
}

func (h *heartbeat) loop(ctx context.Context) {
	tk := time.NewTicker(h.every)
	defer tk.Stop()
	for {
		select {
		case <-h.stopc:
			return
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		err := h.cl.renew(ctx, h.lease)
		switch {
		case err == nil:
			h.renewals.Add(1)
		case errors.Is(err, errLeaseGone):
			h.lostOnce.Do(func() { close(h.lost) })
		default:
			h.misses.Add(1)
		}
	}
}

func (h *heartbeat) stop() { h.stopOnce.Do(func() { close(h.stopc) }) }
