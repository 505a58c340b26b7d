package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The in-process callers of the quota service: tenants that sign up over
// the run (each with an interactive API client, an export crew and a
// dashboard following its export window), and a shared render farm and
// OCR pool whose workers compete for concurrency slots.

type simTenant struct {
	name   string
	plan   tier
	ctx    context.Context
	cancel context.CancelFunc
}

type loadgen struct {
	qc    *quotaClient // interactive and admin traffic
	longc *quotaClient // long waits: exports, render slots, dashboards
	start time.Time

	mu      sync.Mutex
	tenants []*simTenant

	ok, throttled, failed int64
	rendered, crashed     int64
}

func newLoadgen(base string) *loadgen {
	short := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	long := &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}
	return &loadgen{
		qc:    newQuotaClient(base, short),
		longc: newQuotaClient(base, long),
		start: time.Now(),
	}
}

func (g *loadgen) run(ctx context.Context) {
	for i := 0; i < 4; i++ {
		g.signup(ctx)
	}
	go g.renderFarm(ctx)
	go g.ocrPool(ctx)
	go g.report(ctx)

	for pause(ctx, between(3500*time.Millisecond, 5500*time.Millisecond)) {
		g.mu.Lock()
		n := len(g.tenants)
		g.mu.Unlock()
		if n < 34 {
			g.signup(ctx)
		}
	}
}

var plans = []tier{tierFree, tierFree, tierTeam, tierTeam, tierTeam, tierEnterprise}

func (g *loadgen) signup(parent context.Context) {
	g.mu.Lock()
	n := len(g.tenants)
	g.mu.Unlock()
	t := &simTenant{name: fmt.Sprintf("org-%03d", 200+n), plan: plans[randIntn(len(plans))]}
	if err := g.qc.admin(parent, http.MethodPost, t.name, t.plan); err != nil {
		log.Printf("signup: %v", err)
		return
	}
	t.ctx, t.cancel = context.WithCancel(parent)
	g.mu.Lock()
	g.tenants = append(g.tenants, t)
	g.mu.Unlock()

	go g.interactive(t)
	crew := 1
	switch t.plan {
	case tierTeam:
		crew = 2
	case tierEnterprise:
		crew = 3
	}
	for i := 0; i < crew; i++ {
		go g.exportRunner(t, i)
	}
	go g.dashboard(t)
	if chance(20) {
		go g.churnLater(parent, t, between(45*time.Second, 100*time.Second))
	}
}

// churnLater closes a trial tenant's account after a while: its callers
// stop and the server drops its pools.
func (g *loadgen) churnLater(parent context.Context, t *simTenant, after time.Duration) {
	if !pause(parent, after) {
		return
	}
	t.cancel()
	if err := g.qc.admin(parent, http.MethodDelete, t.name, t.plan); err != nil {
		log.Printf("close %s: %v", t.name, err)
	}
}

// interactive sends small API calls at a steady rate with a burst every
// 20 s; each call may wait a little for quota.
func (g *loadgen) interactive(t *simTenant) {
	pool := t.name + "/api"
	gap := between(350*time.Millisecond, 700*time.Millisecond)
	for {
		d := gap
		if int(time.Since(g.start)/time.Second)%20 < 3 {
			d = gap / 5 // burst
		}
		if !pause(t.ctx, d) {
			return
		}
		_, err := g.qc.Acquire(t.ctx, pool, 1+randIntn(3), between(250*time.Millisecond, 1500*time.Millisecond), 0, "")
		g.count(err)
		if errors.Is(err, errGone) {
			return
		}
	}
}

// exportRunner runs the tenant's export jobs one after another. Each job
// waits for export quota for up to a couple of minutes; when the server
// gives up it honours Retry-After before queueing again.
func (g *loadgen) exportRunner(t *simTenant, slot int) {
	pool := t.name + "/export"
	if !pause(t.ctx, between(0, 8*time.Second)) {
		return
	}
	for {
		wait := between(60*time.Second, 150*time.Second)
		_, err := g.longc.Acquire(t.ctx, pool, 1, wait, 0, fmt.Sprintf("%s-export-%d", t.name, slot))
		g.count(err)
		var th *throttledError
		switch {
		case err == nil:
			if !pause(t.ctx, between(2*time.Second, 9*time.Second)) { // the export itself
				return
			}
		case errors.As(err, &th):
			retry := time.NewTimer(th.retryAfter + between(0, 5*time.Second))
			select {
			case <-retry.C:
			case <-t.ctx.Done():
				retry.Stop()
				return
			}
		case errors.Is(err, errGone), t.ctx.Err() != nil:
			return
		default:
			if !pause(t.ctx, 2*time.Second) {
				return
			}
		}
	}
}

// dashboard follows the tenant's export window so it can show "quota
// resets in ...".
func (g *loadgen) dashboard(t *simTenant) {
	pool := t.name + "/export"
	epoch := 0
	for {
		next, err := g.longc.WatchWindow(t.ctx, pool, epoch, between(100*time.Second, 160*time.Second))
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, errGone) {
				return
			}
			if !pause(t.ctx, 3*time.Second) {
				return
			}
			continue
		}
		epoch = next
	}
}

// renderFarm grows a pool of render workers that share six render slots.
func (g *loadgen) renderFarm(ctx context.Context) {
	n := 0
	spawn := func() {
		n++
		go g.renderer(ctx, fmt.Sprintf("render-%02d", n))
	}
	spawn()
	spawn()
	for n < 26 && pause(ctx, between(4*time.Second, 7*time.Second)) {
		spawn()
	}
}

// renderer takes a render slot (waiting up to 90-150 s for one), renders
// for 15-60 s and gives the slot back; now and then it crashes mid-render
// and never releases, so the slot comes back only when its lease runs
// out.
func (g *loadgen) renderer(ctx context.Context, name string) {
	b := &backoff{base: 5 * time.Second, max: 40 * time.Second}
	for {
		ttl := between(90*time.Second, 150*time.Second)
		grant, err := g.longc.Acquire(ctx, "shared/render-slots", 1, between(90*time.Second, 150*time.Second), ttl, name)
		g.count(err)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t := b.next()
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		b.reset()
		if chance(12) {
			atomic.AddInt64(&g.crashed, 1)
			if !pause(ctx, between(10*time.Second, 20*time.Second)) { // restart after a crash
				return
			}
			continue
		}
		if !pause(ctx, between(15*time.Second, 60*time.Second)) {
			return
		}
		atomic.AddInt64(&g.rendered, 1)
		if err := g.qc.Release(ctx, grant.Lease); err != nil && ctx.Err() == nil {
			log.Printf("%s: %v", name, err)
		}
		if !pause(ctx, between(time.Second, 5*time.Second)) {
			return
		}
	}
}

// ocrPool is a smaller crew on three OCR slots with shorter jobs.
func (g *loadgen) ocrPool(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		if i > 0 && !pause(ctx, between(8*time.Second, 12*time.Second)) {
			break
		}
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			g.ocrWorker(ctx, fmt.Sprintf("ocr-%02d", id))
		}(i)
	}
	wg.Wait()
}

func (g *loadgen) ocrWorker(ctx context.Context, name string) {
	for ctx.Err() == nil {
		grant, err := g.longc.Acquire(ctx, "shared/ocr-slots", 1, between(60*time.Second, 120*time.Second), 60*time.Second, name)
		g.count(err)
		if err != nil {
			var th *throttledError
			if errors.As(err, &th) {
				pause(ctx, between(5*time.Second, 15*time.Second))
			} else {
				pause(ctx, time.Second)
			}
			continue
		}
		pause(ctx, between(5*time.Second, 20*time.Second))
		g.qc.Release(ctx, grant.Lease)
	}
}

func (g *loadgen) count(err error) {
	var th *throttledError
	switch {
	case err == nil:
		atomic.AddInt64(&g.ok, 1)
	case errors.As(err, &th):
		atomic.AddInt64(&g.throttled, 1)
	default:
		atomic.AddInt64(&g.failed, 1)
	}
}

func (g *loadgen) report(ctx context.Context) {
	for pause(ctx, 10*time.Second) {
		g.mu.Lock()
		n := len(g.tenants)
		g.mu.Unlock()
		log.Printf("clients: tenants=%d ok=%d throttled=%d failed=%d rendered=%d crashed=%d",
			n, atomic.LoadInt64(&g.ok), atomic.LoadInt64(&g.throttled), atomic.LoadInt64(&g.failed),
			atomic.LoadInt64(&g.rendered), atomic.LoadInt64(&g.crashed))
	}
}
