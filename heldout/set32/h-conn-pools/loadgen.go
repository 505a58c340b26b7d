package main

import (
	"context"
	"io"
	"io/ioutil"
	"math"
	"net/http"
	"strconv"
	"time"
)

// loadGen plays the gateway's clients: a pool of keep-alive workers whose
// request rate follows the fleet size with a slow wave and a burst every
// 20 s, plus a dashboard that polls the admin endpoint on fresh
// connections.
type loadGen struct {
	base   string
	gw     *gateway
	client *http.Client
	start  time.Time
}

func newLoadGen(base string, gw *gateway) *loadGen {
	return &loadGen{
		base: base,
		gw:   gw,
		client: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 60 * time.Second},
		},
		start: time.Now(),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := (10 + 4*float64(g.gw.size())) * (1 + 0.2*math.Sin(el/7))
	if int(el)%20 >= 14 && int(el)%20 < 16 {
		r *= 2.5
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	go g.dashboard(ctx, 5*time.Second)
	jobs := make(chan string, 32)
	for i := 0; i < 16; i++ {
		go g.worker(ctx, jobs)
	}
	const step = 100 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		carry += g.rate() * step.Seconds()
		for ; carry >= 1; carry-- {
			path := "/api/items/sku-" + strconv.Itoa(1000+randIntn(5000))
			select {
			case jobs <- path:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case path := <-jobs:
			resp, err := g.client.Get(g.base + path)
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

func (g *loadGen) dashboard(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get(g.base + "/admin/upstreams")
		if err != nil {
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}
