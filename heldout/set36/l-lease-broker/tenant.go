package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// tenant is one customer of the broker: a few shard workers competing for
// the tenant's shard leases and two candidates for its leader lease. run
// starts them and waits for all of them.
type tenant struct {
	name     string
	addr     string
	shards   []string
	workers  int
	progress *progressStore
	stats    *clientStats
}

func newTenant(name, addr string, workers int, ps *progressStore, st *clientStats) *tenant {
	t := &tenant{name: name, addr: addr, workers: workers, progress: ps, stats: st}
	for i := 0; i < workers+1; i++ {
		t.shards = append(t.shards, fmt.Sprintf("%s/shard-%02d", name, i))
	}
	return t
}

func (t *tenant) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < t.workers; i++ {
		w := &shardWorker{t: t, id: fmt.Sprintf("%s/w%d", t.name, i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx)
		}()
	}
	for i := 0; i < 2; i++ {
		c := &candidate{t: t, id: fmt.Sprintf("%s/c%d", t.name, i), key: t.name + "/leader"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.campaign(ctx)
		}()
	}
	wg.Wait()
}

// shardWorker takes a shard lease, processes the shard for one term while
// a keep-alive child renews the lease, and gives it back.
type shardWorker struct {
	t  *tenant
	id string
}

func (w *shardWorker) loop(ctx context.Context) {
	conn := newBrokerConn(w.t.addr, w.id)
	defer conn.Close()
	bo := &backoff{base: 400 * time.Millisecond, max: 12 * time.Second}
	for ctx.Err() == nil {
		shard := w.t.shards[rand.Intn(len(w.t.shards))]
		g, err := conn.Acquire(ctx, shard, 4*time.Second, between(15*time.Second, 75*time.Second))
		if err != nil {
			if err == errTimeout {
				atomic.AddInt64(&w.t.stats.acquireTimeouts, 1)
			}
			bo.Wait(ctx)
			continue
		}
		bo.Reset()
		atomic.AddInt64(&w.t.stats.terms, 1)
		if w.hold(ctx, conn, g) {
			atomic.AddInt64(&w.t.stats.lost, 1)
			q := newQuarantine(between(60*time.Second, 85*time.Second))
			atomic.AddInt64(&w.t.stats.quarantined, 1)
			q.Wait(ctx)
			atomic.AddInt64(&w.t.stats.quarantined, -1)
			continue
		}
		sleepCtx(ctx, between(200*time.Millisecond, 2*time.Second))
	}
}

// hold works on g for one term. It reports whether the lease was lost.
func (w *shardWorker) hold(parent context.Context, conn *brokerConn, g grant) (lost bool) {
	ctx, cancel := context.WithTimeout(parent, between(8*time.Second, 35*time.Second))
	defer cancel()

	var lostFlag int32
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if keepAlive(ctx, conn, g) == errLost {
			atomic.StoreInt32(&lostFlag, 1)
			cancel()
		}
	}()
	go func() {
		defer wg.Done()
		w.t.progress.checkpointer(ctx, g.name)
	}()
	w.process(ctx, g)
	cancel()
	wg.Wait()

	if atomic.LoadInt32(&lostFlag) == 1 {
		return true
	}
	rctx, rcancel := context.WithTimeout(parent, 3*time.Second)
	defer rcancel()
	conn.Release(rctx, g)
	return false
}

type chunkResult struct {
	chunk, records int
	partial        bool
}

// process fans each batch of the shard out to a few chunk readers and
// gathers their results, until the term is over.
func (w *shardWorker) process(ctx context.Context, g grant) {
	for batch := 0; ctx.Err() == nil; batch++ {
		n := 2 + rand.Intn(3)
		results := make(chan chunkResult, n)
		for i := 0; i < n; i++ {
			go readChunk(ctx, i, results)
		}
		total := 0
		for i := 0; i < n; i++ {
			r := <-results
			total += r.records
		}
		w.t.progress.add(g.name, total)
	}
}

func readChunk(ctx context.Context, chunk int, out chan<- chunkResult) {
	steps := 3 + rand.Intn(8)
	res := chunkResult{chunk: chunk}
	for i := 0; i < steps; i++ {
		select {
		case <-ctx.Done():
			res.partial = true
			out <- res
			return
		case <-after(between(100*time.Millisecond, 450*time.Millisecond)):
			res.records += 20 + rand.Intn(200)
		}
	}
	out <- res
}

// candidate campaigns for the tenant's leader lease; while another
// candidate leads it long-polls the key until the leader lets go.
type candidate struct {
	t   *tenant
	id  string
	key string
}

func (c *candidate) campaign(ctx context.Context) {
	conn := newBrokerConn(c.t.addr, c.id)
	defer conn.Close()
	bo := &backoff{base: 500 * time.Millisecond, max: 10 * time.Second}
	for ctx.Err() == nil {
		g, err := conn.Acquire(ctx, c.key, 5*time.Second, 0)
		if err == nil {
			bo.Reset()
			c.lead(ctx, conn, g)
			sleepCtx(ctx, between(time.Second, 3*time.Second))
			continue
		}
		if err != errHeld {
			bo.Wait(ctx)
			continue
		}
		atomic.AddInt64(&c.t.stats.watching, 1)
		st, err := conn.Watch(ctx, c.key, between(60*time.Second, 90*time.Second))
		atomic.AddInt64(&c.t.stats.watching, -1)
		if err != nil {
			bo.Wait(ctx)
			continue
		}
		if st == "CHANGED" {
			// give the resigning leader's successor a moment
			sleepCtx(ctx, between(50*time.Millisecond, 400*time.Millisecond))
		}
	}
}

// lead holds the leader lease for one term, reconciling on a ticker.
func (c *candidate) lead(parent context.Context, conn *brokerConn, g grant) {
	ctx, cancel := context.WithTimeout(parent, between(20*time.Second, 50*time.Second))
	defer cancel()
	atomic.AddInt64(&c.t.stats.leaderTerms, 1)

	kaErr := make(chan error, 1)
	go func() { kaErr <- keepAlive(ctx, conn, g) }()

	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	var kaResult error
	kaFinished := false
	for !kaFinished && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case kaResult = <-kaErr:
			kaFinished = true
		case <-tick.C:
			c.t.progress.reconcile(c.t.shards)
		}
	}
	cancel()
	if !kaFinished {
		kaResult = <-kaErr
	}
	if kaResult == errLost {
		log.Printf("%s: leadership of %s lost", c.id, c.key)
		return
	}
	rctx, rcancel := context.WithTimeout(parent, 3*time.Second)
	defer rcancel()
	conn.Release(rctx, g)
}

// progressStore is the shared record of how far each shard got.
type progressStore struct {
	mu      sync.Mutex
	offsets map[string]int
	saves   int
}

func newProgressStore() *progressStore { return &progressStore{offsets: make(map[string]int)} }

func (p *progressStore) add(shard string, n int) {
	p.mu.Lock()
	p.offsets[shard] += n
	p.mu.Unlock()
}

// checkpointer saves the shard's offset every few seconds for the whole
// term; each save holds the store lock for a short write.
func (p *progressStore) checkpointer(ctx context.Context, shard string) {
	t := time.NewTicker(jitter(3*time.Second, 0.2))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.mu.Lock()
			_ = p.offsets[shard]
			time.Sleep(between(5*time.Millisecond, 40*time.Millisecond))
			p.saves++
			p.mu.Unlock()
		}
	}
}

func (p *progressStore) reconcile(shards []string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	sum := 0
	for _, s := range shards {
		sum += p.offsets[s]
	}
	return sum
}

type clientStats struct {
	terms, lost, acquireTimeouts, leaderTerms int64
	quarantined, watching                     int64
	cronRuns, cronTimeouts                    int64
}
