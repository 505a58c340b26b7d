package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"time"
)

const leaseTTL = 4500 * time.Millisecond

var errLeaseLost = errors.New("lease lost during sync")

var configShards = []string{"policies", "quotas", "routes", "flags"}

// tenantWorker keeps one tenant's local config in step.
type tenantWorker struct {
	tenant   string
	cp       *cpClient
	store    *configStore
	stats    *stats
	interval time.Duration
	timeout  time.Duration
	kick     chan struct{}

	version  int
	failures int
}

type shardPlan struct {
	shard   string
	version int
	changes int
}

func (w *tenantWorker) run(ctx context.Context) {
	w.stats.workers.Add(1)
	defer w.stats.workers.Add(-1)
	next := time.Duration(rand.Intn(1500)) * time.Millisecond
	for w.waitTurn(ctx, next) {
		err := w.syncOnce(ctx)
		switch {
		case err == nil:
			w.failures = 0
			w.stats.syncs.Add(1)
			next = w.interval + time.Duration(rand.Int63n(int64(w.interval/3)))
		case errors.Is(err, errLeaseHeld):
			next = time.Duration(300+rand.Intn(700)) * time.Millisecond
		default:
			w.failures++
			w.stats.syncErrors.Add(1)
			next = backoff(w.failures, 500*time.Millisecond, 15*time.Second)
		}
	}
}

// waitTurn waits until the next scheduled sync or an admin kick, whichever
// comes first. A kick is debounced a little so a burst of changes ends up
// in one sync. It returns false once the tenant is offboarded.
func (w *tenantWorker) waitTurn(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-w.kick:
		return sleepCtx(ctx, 750*time.Millisecond)
	}
}

func (w *tenantWorker) syncOnce(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, w.timeout)
	defer cancel()

	lease, err := w.cp.acquire(ctx, w.tenant, leaseTTL)
	if err != nil {
		return err
	}
	defer w.cp.release(lease)
	keeper := keepLease(w.cp, w.tenant, lease, leaseTTL, w.stats)

	plans, err := w.fetchPlan(ctx)
	if err != nil {
		return fmt.Errorf("tenant %s: fetch plan: %w", w.tenant, err)
	}
	if len(plans) == 0 {
		keeper.Stop()
		return nil
	}
	if err := w.store.apply(ctx, w.tenant, plans); err != nil {
		keeper.Stop()
		return fmt.Errorf("tenant %s: apply: %w", w.tenant, err)
	}
	keeper.Stop()
	if keeper.Lost() {
		return errLeaseLost
	}
	for _, p := range plans {
		if p.version > w.version {
			w.version = p.version
		}
	}
	return nil
}

// fetchPlan pulls every config shard in parallel and returns the shards
// that changed since the version we hold.
func (w *tenantWorker) fetchPlan(ctx context.Context) ([]shardPlan, error) {
	g, gctx := newGroup(ctx)
	results := make([]shardPlan, len(configShards))
	for i, shard := range configShards {
		i, shard := i, shard
		g.Go(func() error {
			reply, err := w.cp.call(gctx, "PULL %s %s %d", w.tenant, shard, w.version)
			if err != nil {
				return fmt.Errorf("shard %s: %w", shard, err)
			}
			f := strings.Fields(reply)
			if len(f) != 2 {
				return fmt.Errorf("shard %s: bad reply %q", shard, reply)
			}
			v, _ := strconv.Atoi(f[0])
			n, _ := strconv.Atoi(f[1])
			results[i] = shardPlan{shard: shard, version: v, changes: n}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var plans []shardPlan
	for _, p := range results {
		if p.version > w.version || rand.Intn(3) == 0 {
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// group runs related calls and waits for all of them; the first error
// cancels the rest.
type group struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context) (*group, context.Context) {
	gctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, gctx
}

func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
