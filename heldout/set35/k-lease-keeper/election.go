package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// candidate competes for leadership of one shard key. The leader holds a
// lock bound to its lease and reconciles the shard once a second for one
// term; followers long-poll the key and step in when it is freed.
type candidate struct {
	tenant *tenant
	name   string
	key    string
	ttl    time.Duration
	term   time.Duration

	terms       int64
	reconciles  int64
	lostLeases  int64
	watchRounds int64
}

func (c *candidate) campaign(ctx context.Context) {
	bo := backoff{base: 200 * time.Millisecond, max: 3 * time.Second}
	var rev int64
	for ctx.Err() == nil {
		wctx, cancel := context.WithTimeout(ctx, 8*time.Second)
		st, err := c.tenant.cl.watch(wctx, c.key, rev, 5*time.Second)
		cancel()
		atomic.AddInt64(&c.watchRounds, 1)
		if err != nil {
			bo.wait(ctx)
			continue
		}
		rev = st.Rev
		if st.Holder != 0 {
			continue // someone else leads; watch again from this revision
		}
		if err := c.tryLead(ctx); err != nil {
			bo.wait(ctx)
			continue
		}
		bo.reset()
		// Give the other candidates a fair chance after a term.
		sleepCtx(ctx, jitter(300*time.Millisecond, 700*time.Millisecond))
	}
}

func (c *candidate) tryLead(ctx context.Context) error {
	lease, err := c.tenant.cl.Keep(ctx, c.name, c.ttl)
	if err != nil {
		return err
	}
	defer lease.Release()

	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = c.tenant.cl.acquire(actx, c.key, lease.ID)
	cancel()
	if err != nil {
		return err
	}
	atomic.AddInt64(&c.terms, 1)
	termCtx, stop := context.WithTimeout(ctx, c.term)
	defer stop()
	c.lead(termCtx, lease)
	return nil
}

// lead reconciles the shard on a ticker until the term ends or the lease is
// lost.
func (c *candidate) lead(ctx context.Context, lease *Lease) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-lease.Lost():
			atomic.AddInt64(&c.lostLeases, 1)
			return
		case <-ctx.Done():
		case <-tick.C:
			c.reconcile()
		}
	}
}

func (c *candidate) reconcile() {
	atomic.AddInt64(&c.reconciles, 1)
	c.tenant.shardVersion(c.key)
}

func shardKey(tenant string, shard int) string {
	return fmt.Sprintf("/%s/shards/%02d/leader", tenant, shard)
}
