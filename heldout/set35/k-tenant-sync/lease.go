package main

import (
	"context"
	"sync/atomic"
	"time"
)

// leaseKeeper renews a sync lease in the background for as long as the
// sync that took it is running, so a slow pull does not let the lease
// lapse and another syncer in.
type leaseKeeper struct {
	cp     *cpClient
	tenant string
	lease  string
	ttl    time.Duration
	stats  *stats

	stop     chan struct{}
	lost     atomic.Bool
	renewals int
}

func keepLease(cp *cpClient, tenant, lease string, ttl time.Duration, st *stats) *leaseKeeper {
	k := &leaseKeeper{
		cp:     cp,
		tenant: tenant,
		lease:  lease,
		ttl:    ttl,
		stats:  st,
		stop:   make(chan struct{}),
	}
	go k.loop(ttl / 3)
	return k
}

func (k *leaseKeeper) loop(every time.Duration) {
	k.stats.keepers.Add(1)
	defer k.stats.keepers.Add(-1)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-tick.C:
			k.renew(every / 2)
		}
	}
}

func (k *leaseKeeper) renew(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := k.cp.call(ctx, "RENEW %s %d", k.lease, k.ttl.Milliseconds()); err != nil {
		// Renewals fail while the control plane fails over; keep trying
		// on the next tick, but remember so the sync does not commit on
		// a lease it may have lost.
		k.lost.Store(true)
		k.stats.renewFailures.Add(1)
		return
	}
	k.renewals++
}

// Stop ends the renewals. The caller releases the lease afterwards.
func (k *leaseKeeper) Stop() {
	close(k.stop)
}

func (k *leaseKeeper) Lost() bool { return k.lost.Load() }
