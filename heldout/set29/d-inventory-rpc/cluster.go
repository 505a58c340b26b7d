package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

type shard struct {
	id       int
	replicas []*replicaPool // [primary, secondary]
}

// cluster is the client-side view of the sharded inventory service.
type cluster struct {
	shards     []*shard
	hedgeAfter time.Duration

	// commits limits concurrent Reserve calls: the stock tables are row
	// locked and more parallelism only buys conflicts.
	commits chan struct{}

	hedges, hedgeWins, reserves, conflicts, gaveUp int64
}

func (c *cluster) shardFor(sku string) *shard {
	h := fnv.New32a()
	h.Write([]byte(sku))
	return c.shards[int(h.Sum32())%len(c.shards)]
}

type getResult struct {
	reply GetReply
	err   error
	hedge bool
}

// Get reads a SKU from the shard's primary and, if it has not answered
// within hedgeAfter, also from the secondary; the first good answer wins and
// the other call is cancelled.
func (c *cluster) Get(ctx context.Context, sku string) (GetReply, error) {
	sh := c.shardFor(sku)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make(chan getResult, len(sh.replicas))
	launched := 0
	launch := func(hedge bool) {
		rp := sh.replicas[launched]
		launched++
		go func() {
			var r GetReply
			err := rp.call(ctx, "Inventory.Get", GetArgs{SKU: sku}, &r)
			results <- getResult{reply: r, err: err, hedge: hedge}
		}()
	}
	launch(false)
	hedge := time.NewTimer(c.hedgeAfter)
	defer hedge.Stop()

	var lastErr error
	pending := 1
	for {
		select {
		case <-hedge.C:
			if launched < len(sh.replicas) {
				atomic.AddInt64(&c.hedges, 1)
				launch(true)
				pending++
			}
		case r := <-results:
			pending--
			if r.err == nil {
				if r.hedge {
					atomic.AddInt64(&c.hedgeWins, 1)
				}
				return r.reply, nil
			}
			lastErr = r.err
			if launched < len(sh.replicas) {
				launch(true) // fail over right away
				pending++
			} else if pending == 0 {
				return GetReply{}, lastErr
			}
		case <-ctx.Done():
			return GetReply{}, ctx.Err()
		}
	}
}

// GetMany fans a multi-SKU read out to the shards in parallel and gathers
// the answers. A shard that fails is retried once on its other replica;
// items from a shard that still fails are reported missing.
func (c *cluster) GetMany(ctx context.Context, skus []string) (map[string]GetReply, []string) {
	byShard := make(map[*shard][]string)
	for _, s := range skus {
		sh := c.shardFor(s)
		byShard[sh] = append(byShard[sh], s)
	}
	ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		out     = make(map[string]GetReply, len(skus))
		missing []string
	)
	for sh, list := range byShard {
		wg.Add(1)
		go func(sh *shard, list []string) {
			defer wg.Done()
			var reply GetManyReply
			err := errors.New("no replica")
			for _, rp := range sh.replicas {
				reply = GetManyReply{}
				actx, acancel := context.WithTimeout(ctx, 80*time.Millisecond)
				err = rp.call(actx, "Inventory.GetMany", GetManyArgs{SKUs: list}, &reply)
				acancel()
				if err == nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				missing = append(missing, list...)
				return
			}
			for _, it := range reply.Items {
				out[it.SKU] = it
			}
		}(sh, list)
	}
	wg.Wait()
	return out, missing
}

// Reserve takes qty of sku for an order. It waits for a commit slot, then
// retries version conflicts with jittered exponential backoff, re-reading
// the current version between attempts.
func (c *cluster) Reserve(ctx context.Context, order, sku string, qty int) error {
	select {
	case c.commits <- struct{}{}:
	case <-ctx.Done():
		atomic.AddInt64(&c.gaveUp, 1)
		return fmt.Errorf("reserve %s: waiting for commit slot: %w", sku, ctx.Err())
	}
	defer func() { <-c.commits }()

	sh := c.shardFor(sku)
	var version int64
	for attempt := 0; attempt < 5; attempt++ {
		atomic.AddInt64(&c.reserves, 1)
		actx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		var reply ReserveReply
		err := sh.replicas[0].call(actx, "Inventory.Reserve", ReserveArgs{Order: order, SKU: sku, Qty: qty, Version: version}, &reply)
		cancel()
		if err == nil {
			return nil
		}
		if err.Error() == errOutOfStock.Error() {
			return errOutOfStock
		}
		if err.Error() == errConflict.Error() {
			atomic.AddInt64(&c.conflicts, 1)
		}
		d := time.Duration(5<<uint(attempt)) * time.Millisecond
		t := time.NewTimer(d/2 + time.Duration(rand.Int63n(int64(d/2)+1)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		if cur, err := c.Get(ctx, sku); err == nil {
			version = cur.Version
		}
	}
	return fmt.Errorf("reserve %s: too many conflicts", sku)
}

// WaitRestock asks the shard's secondary (reads can go there) to tell us
// when sku is back in stock. The server holds the call for up to maxWait.
func (c *cluster) WaitRestock(ctx context.Context, sku string, maxWait time.Duration) (WaitReply, error) {
	sh := c.shardFor(sku)
	ctx, cancel := context.WithTimeout(ctx, maxWait+2*time.Second)
	defer cancel()
	var reply WaitReply
	err := sh.replicas[len(sh.replicas)-1].call(ctx, "Inventory.WaitRestock",
		WaitArgs{SKU: sku, MaxWaitMS: int(maxWait / time.Millisecond)}, &reply)
	return reply, err
}

// health pings every replica and logs the ones that do not answer.
func (c *cluster) health(every time.Duration, onDown func(name string, err error)) {
	seq := 0
	for range time.Tick(every) {
		var wg sync.WaitGroup
		for _, sh := range c.shards {
			for _, rp := range sh.replicas {
				seq++
				wg.Add(1)
				go func(rp *replicaPool, seq int) {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
					defer cancel()
					var got int
					if err := rp.call(ctx, "Inventory.Ping", seq, &got); err != nil {
						onDown(rp.name, err)
					}
				}(rp, seq)
			}
		}
		wg.Wait()
	}
}
