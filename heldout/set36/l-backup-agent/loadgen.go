package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// onboarding grows the roster over the run: a few tenants at start, one
// more every few seconds up to a cap; every fifth one is a trial that is
// offboarded again after a while.
func onboarding(ctx context.Context, a *Agent, initial, max int, every time.Duration) {
	enroll := func(i int) {
		name := tenantName(i)
		nv := 2 + i%3
		vols := make([]volumeSpec, nv)
		for v := range vols {
			vols[v] = volumeSpec{name: fmt.Sprintf("vol%d", v), chunks: 30 + randInt(50)}
		}
		a.Enroll(name, vols, backupPolicy{
			firstAfter: randDur(1*time.Second, 8*time.Second),
			period:     randDur(12*time.Second, 30*time.Second),
			jitter:     5 * time.Second,
			watchWait:  randDur(50*time.Second, 75*time.Second),
			readEvery:  randDur(120*time.Millisecond, 220*time.Millisecond),
		})
		if i%5 == 4 {
			go a.expireTrial(name, newDeadline(randDur(30*time.Second, 55*time.Second)))
		}
	}
	for i := 0; i < initial; i++ {
		enroll(i)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := initial; i < max; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		enroll(i)
	}
}

// restoreLoad sends restore requests to the agent's API at a rate that
// ramps up over the run, with a burst every ~25 s.
type restoreLoad struct {
	api   string
	agent *Agent
	http  *http.Client
}

func newRestoreLoad(api string, a *Agent) *restoreLoad {
	return &restoreLoad{api: api, agent: a, http: &http.Client{Timeout: 15 * time.Second}}
}

func (l *restoreLoad) run(ctx context.Context) {
	start := time.Now()
	burst := newDeadline(25 * time.Second)
	for ctx.Err() == nil {
		// 2.5 s between requests at start down to 0.5 s after two minutes
		elapsed := time.Since(start)
		gap := 2500*time.Millisecond - time.Duration(float64(2*time.Second)*minf(elapsed.Seconds()/120, 1))
		select {
		case <-ctx.Done():
			return
		case <-burst.Done():
			for i := 0; i < 5+randInt(5); i++ {
				go l.restoreOnce(ctx)
			}
			burst = newDeadline(randDur(20*time.Second, 30*time.Second))
		case <-time.After(randDur(gap/2, gap*3/2)):
			go l.restoreOnce(ctx)
		}
	}
}

func (l *restoreLoad) restoreOnce(ctx context.Context) {
	t := l.agent.anyTenant()
	if t == nil {
		return
	}
	u := fmt.Sprintf("%s/restore?tenant=%s&files=%d", l.api, url.QueryEscape(t.name), 1+randInt(6))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}
