package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// operator is the write side: a flag service that flips feature flags
// every few seconds, config pushes to one service now and then, and
// rollouts that move a service's deploy target.
type operator struct {
	f     *fleet
	flags []string
	svcs  []string
	build int
}

func newOperator(f *fleet, flags, svcs []string) *operator {
	return &operator{f: f, flags: flags, svcs: svcs, build: 4100}
}

func (o *operator) run(ctx context.Context) {
	flagTick := time.NewTimer(o.f.between(time.Second, 4*time.Second))
	configTick := time.NewTimer(o.f.between(40*time.Second, 65*time.Second))
	rolloutTick := time.NewTimer(o.f.between(45*time.Second, 75*time.Second))
	defer flagTick.Stop()
	defer configTick.Stop()
	defer rolloutTick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flagTick.C:
			flag := o.flags[o.f.intn(len(o.flags))]
			o.f.put(ctx, "flags/"+flag, fmt.Sprintf("rollout=%d%%", o.f.intn(101)))
			flagTick.Reset(o.f.between(time.Second, 4*time.Second))
		case <-configTick.C:
			svc := o.svcs[o.f.intn(len(o.svcs))]
			o.f.put(ctx, "services/"+svc+"/config", fmt.Sprintf("pool_size=%d\ntimeout_ms=%d\n", 8+o.f.intn(24), 200+50*o.f.intn(10)))
			configTick.Reset(o.f.between(40*time.Second, 65*time.Second))
		case <-rolloutTick.C:
			o.build++
			svc := o.svcs[o.f.intn(len(o.svcs))]
			o.f.put(ctx, "deploy/"+svc+"/target", fmt.Sprintf("build-%d", o.build))
			rolloutTick.Reset(o.f.between(45*time.Second, 75*time.Second))
		}
	}
}

// dashboardLoad is the read traffic: status pages and CLIs listing and
// reading keys. Its rate ramps over the run and doubles for a few seconds
// every 20 s (someone opened the big dashboard).
type dashboardLoad struct {
	f       *fleet
	workers int
	reqs    chan string
	start   time.Time
	served  int64
}

func newDashboardLoad(f *fleet, workers int) *dashboardLoad {
	return &dashboardLoad{f: f, workers: workers, reqs: make(chan string), start: time.Now()}
}

func (d *dashboardLoad) rate() float64 {
	el := time.Since(d.start).Seconds()
	r := 3 + el/12 // 3/s ramping to ~15/s
	if math.Mod(el, 20) < 3 {
		r *= 2
	}
	return r
}

func (d *dashboardLoad) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < d.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.worker(ctx)
		}()
	}
	paths := []string{"/v1/kv/flags/?list=1", "/v1/kv/status/?list=1", "/v1/kv/deploy/?list=1", "/v1/healthz"}
	for ctx.Err() == nil {
		var p string
		switch n := d.f.intn(10); {
		case n < 6:
			p = paths[d.f.intn(len(paths))]
		default:
			svc := d.f.services[d.f.intn(len(d.f.services))]
			p = "/v1/kv/services/" + svc + "/config"
		}
		select {
		case d.reqs <- p:
		case <-ctx.Done():
		}
		time.Sleep(time.Duration(float64(time.Second) / d.rate()))
	}
	wg.Wait()
}

func (d *dashboardLoad) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-d.reqs:
			rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			req, _ := http.NewRequestWithContext(rctx, http.MethodGet, d.f.base+p, nil)
			if resp, err := d.f.client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				atomic.AddInt64(&d.served, 1)
			}
			cancel()
		}
	}
}
