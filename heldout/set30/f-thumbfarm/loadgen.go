package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand"
	"net/http"
	"sync/atomic"
	"time"
)

// loadGen plays a synthetic client population against the service: a base
// rate that ramps up over the run, a slow daily-style wave on top, and
// occasional bursts when a gallery page is opened by many users at once.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time

	inflight int64
	ok, fail int64
}

func newLoadGen(base string) *loadGen {
	tr := &http.Transport{
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     3 * time.Second,
	}
	return &loadGen{
		base:   base,
		client: &http.Client{Transport: tr, Timeout: 5 * time.Second},
		start:  time.Now(),
	}
}

// rate returns the target requests per second at time t into the run.
func (g *loadGen) rate(t time.Duration) float64 {
	s := t.Seconds()
	r := 4 + 0.25*s                        // ramp
	r *= 1 + 0.35*math.Sin(2*math.Pi*s/36) // wave
	return r
}

func (g *loadGen) run(ctx context.Context) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	nextBurst := time.Now().Add(time.Duration(4+rand.Intn(6)) * time.Second)
	var acc float64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			acc += g.rate(now.Sub(g.start)) * 0.05
			for acc >= 1 {
				acc--
				g.fire(ctx)
			}
			if now.After(nextBurst) {
				n := 20 + rand.Intn(40)
				go g.burst(ctx, n)
				nextBurst = now.Add(time.Duration(6+rand.Intn(9)) * time.Second)
			}
		}
	}
}

func (g *loadGen) burst(ctx context.Context, n int) {
	gallery := rand.Intn(1000)
	for i := 0; i < n; i++ {
		if atomic.LoadInt64(&g.inflight) > 150 {
			return // client-side concurrency limit
		}
		g.fireSrc(ctx, fmt.Sprintf("gallery-%d/img-%d.jpg", gallery, i), 4)
		time.Sleep(time.Duration(rand.Intn(4)) * time.Millisecond)
	}
}

func (g *loadGen) fire(ctx context.Context) {
	if atomic.LoadInt64(&g.inflight) > 150 {
		atomic.AddInt64(&g.fail, 1)
		return
	}
	g.fireSrc(ctx, fmt.Sprintf("user-%d/avatar.png", rand.Intn(5000)), 1+rand.Intn(3))
}

func (g *loadGen) fireSrc(ctx context.Context, src string, n int) {
	atomic.AddInt64(&g.inflight, 1)
	go func() {
		defer atomic.AddInt64(&g.inflight, -1)
		url := fmt.Sprintf("%s/thumb?src=%s&n=%d", g.base, src, n)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			atomic.AddInt64(&g.fail, 1)
			return
		}
		resp, err := g.client.Do(req)
		if err != nil {
			atomic.AddInt64(&g.fail, 1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			atomic.AddInt64(&g.ok, 1)
		} else {
			atomic.AddInt64(&g.fail, 1)
		}
	}()
}

// monitor polls the pool stats endpoint like an external dashboard would.
func monitor(ctx context.Context, base string, every time.Duration, lg *loadGen) {
	c := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := c.Get(base + "/debug/pool")
		if err != nil {
			log.Printf("monitor: %v", err)
			continue
		}
		var st PoolStats
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			log.Printf("monitor: decode: %v", err)
			continue
		}
		logStats("pool", st)
		log.Printf("client ok=%d fail=%d inflight=%d", atomic.LoadInt64(&lg.ok), atomic.LoadInt64(&lg.fail), atomic.LoadInt64(&lg.inflight))
	}
}
