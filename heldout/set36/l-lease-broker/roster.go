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

// roster onboards tenants over the run. Every fourth tenant is a trial
// that is offboarded again after a while.
type roster struct {
	addr     string
	progress *progressStore
	stats    *clientStats
	max      int
	every    time.Duration

	mu   sync.Mutex
	live map[string]*tenantHandle
}

type tenantHandle struct {
	t      *tenant
	cancel context.CancelFunc
	done   chan struct{}
}

func newRoster(addr string, ps *progressStore, st *clientStats) *roster {
	return &roster{addr: addr, progress: ps, stats: st, max: 28, every: 4500 * time.Millisecond, live: make(map[string]*tenantHandle)}
}

func (r *roster) run(ctx context.Context) {
	n := 0
	for ; n < 3; n++ {
		r.onboard(ctx, n, false)
	}
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for n < r.max {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.onboard(ctx, n, n%4 == 3)
			n++
		}
	}
}

func (r *roster) onboard(ctx context.Context, n int, trial bool) {
	tctx, cancel := context.WithCancel(ctx)
	t := newTenant(fmt.Sprintf("t%02d", n), r.addr, 2+rand.Intn(3), r.progress, r.stats)
	h := &tenantHandle{t: t, cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.live[t.name] = h
	r.mu.Unlock()
	go func() {
		defer close(h.done)
		t.run(tctx)
	}()
	if trial {
		go r.offboardAfter(h, between(30*time.Second, 60*time.Second))
	}
}

// offboardAfter ends a trial tenant when its deadline passes and waits for
// all of its workers to wind down before dropping it from the roster.
func (r *roster) offboardAfter(h *tenantHandle, d time.Duration) {
	dl := newDeadline(d)
	<-dl.Done()
	start := time.Now()
	h.cancel()
	<-h.done
	r.mu.Lock()
	delete(r.live, h.t.name)
	r.mu.Unlock()
	log.Printf("roster: trial tenant %s offboarded (wind-down %v)", h.t.name, time.Since(start).Round(time.Millisecond))
}

func (r *roster) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}

// cronBursts fires a burst of one-shot cron runs every 12-20 s; each run
// takes a global job lock (parking behind the current runner), and the
// burst waits for all of its runs before the next one.
func cronBursts(ctx context.Context, addr string, st *clientStats) {
	jobs := []string{"cron/invoice-rollup", "cron/usage-export", "cron/gc-orphans"}
	for burst := 0; ; burst++ {
		if sleepCtx(ctx, between(12*time.Second, 20*time.Second)) != nil {
			return
		}
		n := 4 + rand.Intn(7)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			job := jobs[rand.Intn(len(jobs))]
			name := fmt.Sprintf("cron-%d-%d", burst, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				cronRun(ctx, addr, name, job, st)
			}()
		}
		wg.Wait()
	}
}

func cronRun(ctx context.Context, addr, name, job string, st *clientStats) {
	conn := newBrokerConn(addr, name)
	defer conn.Close()
	g, err := conn.Acquire(ctx, job, 3*time.Second, between(10*time.Second, 35*time.Second))
	if err != nil {
		atomic.AddInt64(&st.cronTimeouts, 1)
		return
	}
	atomic.AddInt64(&st.cronRuns, 1)
	rctx, cancel := context.WithTimeout(ctx, between(500*time.Millisecond, 4*time.Second))
	defer cancel()
	if keepAlive(rctx, conn, g) == errLost {
		return
	}
	conn.Release(ctx, g)
}
