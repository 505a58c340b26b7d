package main

import (
	"context"
	"io"
	"io/ioutil"
	"net/http"
	"net/url"
	"time"
)

// loadGen issues search queries at a rate that ramps over the run, with a
// burst every 20 s. At most maxInflight requests are outstanding.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time
	sem    chan struct{}
}

const maxInflight = 24

func newLoadGen(base string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: maxInflight, IdleConnTimeout: 20 * time.Second},
		},
		start: time.Now(),
		sem:   make(chan struct{}, maxInflight),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 8 + el*0.25
	if int(el)%20 < 3 {
		r *= 3
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	go g.pollStats(ctx)
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
			select {
			case g.sem <- struct{}{}:
			default:
				continue // shed: client side is saturated
			}
			q := vocabulary[randIntn(len(vocabulary))]
			if randIntn(2) == 0 {
				q += " " + vocabulary[randIntn(len(vocabulary))]
			}
			go g.query(q)
		}
	}
}

func (g *loadGen) query(q string) {
	defer func() { <-g.sem }()
	resp, err := g.client.Get(g.base + "/search?q=" + url.QueryEscape(q))
	if err != nil {
		return
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
}

func (g *loadGen) pollStats(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			resp, err := g.client.Get(g.base + "/stats")
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
