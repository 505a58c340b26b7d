package main

import (
	"context"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// loadGen posts ticks from "external venues" to the ingest endpoint. The
// rate ramps up over the run, with a short burst every 17 s.
type loadGen struct {
	base   string
	topics []string
	client *http.Client
	start  time.Time
	rnd    *rand.Rand
}

func newLoadGen(base string, topics []string) *loadGen {
	return &loadGen{
		base:   base,
		topics: topics,
		client: &http.Client{
			Timeout:   2 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 20 * time.Second},
		},
		start: time.Now(),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x5eed)),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 20 + el*0.8
	if int(el)%17 < 2 {
		r *= 4
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan url.Values)
	for i := 0; i < 6; i++ {
		go g.worker(ctx, jobs)
	}
	go g.pollStats(ctx)

	const step = 50 * time.Millisecond
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
			topic := g.topics[g.rnd.Intn(len(g.topics))]
			syms := symbolsFor(topic)
			v := url.Values{}
			v.Set("topic", topic)
			v.Set("symbol", syms[g.rnd.Intn(len(syms))])
			v.Set("price", strconv.FormatFloat(10+g.rnd.Float64()*90, 'f', 4, 64))
			select {
			case jobs <- v:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan url.Values) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-jobs:
			resp, err := g.client.PostForm(g.base+"/publish", v)
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

func (g *loadGen) pollStats(ctx context.Context) {
	t := time.NewTicker(3 * time.Second)
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
