package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ledger moves money between accounts. A transfer locks both accounts
// (and, for cross-currency transfers, the FX pool) through AcquireAll
// under a 2.5 s transaction budget, posts, and releases. A handful of hot
// accounts (merchants, payroll) see much of the traffic, and two
// reconcilers settle them one at a time while holding the account's lock.
type ledger struct {
	locks    *Client
	accounts int
	hot      int
	start    time.Time

	workers, transfers, timeouts, busy, settlements atomic.Int64
}

func newLedger(c *Client, accounts, hot int) *ledger {
	return &ledger{locks: c, accounts: accounts, hot: hot, start: time.Now()}
}

func (l *ledger) account() string {
	if chance(40) {
		return fmt.Sprintf("acct/%d", 1+intn(l.hot))
	}
	return fmt.Sprintf("acct/%d", 1+l.hot+intn(l.accounts-l.hot))
}

func (l *ledger) run(ctx context.Context) {
	var wg sync.WaitGroup
	spawn := func() {
		l.workers.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer l.workers.Add(-1)
			l.transferLoop(ctx)
		}()
	}
	for i := 0; i < 3; i++ {
		spawn()
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.reconcile(ctx)
		}()
	}

	grow := time.NewTicker(12 * time.Second)
	defer grow.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-grow.C:
			if l.workers.Load() < 11 {
				spawn()
			}
		}
	}
}

func (l *ledger) transferLoop(ctx context.Context) {
	for {
		from, to := l.account(), l.account()
		if from == to {
			continue
		}
		keys := []string{from, to}
		if chance(12) {
			keys = append(keys, "fx/pool-"+fmt.Sprint(1+intn(4)))
		}
		err := l.transfer(ctx, keys)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrAcquireTimeout):
			l.timeouts.Add(1)
		case err != nil:
			l.busy.Add(1)
		default:
			l.transfers.Add(1)
		}
		if !sleepCtx(ctx, between(200*time.Millisecond, 700*time.Millisecond)) {
			return
		}
	}
}

func (l *ledger) transfer(ctx context.Context, keys []string) error {
	leases, err := l.locks.AcquireAll(ctx, keys, AcquireOptions{TTL: 8 * time.Second}, 2500*time.Millisecond)
	if err != nil {
		return err
	}
	defer l.locks.releaseAll(leases)
	// read balances, write the two postings
	sleepCtx(ctx, between(15*time.Millisecond, 90*time.Millisecond))
	return nil
}

// reconcile settles a hot account every 2-5 s (two reconcilers run): it
// locks the account with a generous wait, keeps the lease alive while the
// settlement batch runs (2-7 s) and releases it.
func (l *ledger) reconcile(ctx context.Context) {
	for {
		if !sleepCtx(ctx, between(2*time.Second, 5*time.Second)) {
			return
		}
		key := fmt.Sprintf("acct/%d", 1+intn(l.hot))
		lease, err := l.locks.Acquire(ctx, key, AcquireOptions{TTL: 6 * time.Second, Wait: 10 * time.Second, KeepAlive: true})
		if err != nil {
			continue
		}
		batch := time.NewTimer(between(2*time.Second, 7*time.Second))
		select {
		case <-batch.C:
			l.settlements.Add(1)
		case <-lease.Lost():
		case <-ctx.Done():
		}
		batch.Stop()
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = lease.Release(rctx)
		cancel()
	}
}
