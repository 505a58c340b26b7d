package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"time"
)

var tables = []string{"invoices", "payments", "subscriptions", "credit_notes", "usage_events"}

// loadGen plays the finance team clicking "Export CSV". The rate ramps over
// the run and month-end bursts come every 30 s. Some users give up and
// close the tab before the download finishes.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time
	sem    chan struct{}
}

func newLoadGen(base string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
		sem:   make(chan struct{}, 32),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 2 + el*0.035
	if int(el)%30 >= 20 && int(el)%30 < 24 {
		r *= 2.5
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	go g.poll(ctx)
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
				continue
			}
			go g.download(ctx)
		}
	}
}

func (g *loadGen) download(ctx context.Context) {
	defer func() { <-g.sem }()
	rows := 200 + randIntn(3000)
	if randIntn(100) < 8 {
		rows = 25000 + randIntn(40000) // full-year export
	}
	patience := 30 * time.Second
	if randIntn(100) < 4 {
		patience = randDur(150*time.Millisecond, 900*time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	url := fmt.Sprintf("%s/export?table=%s&rows=%d", g.base, tables[randIntn(len(tables))], rows)
	if randIntn(3) == 0 {
		url += "&cents=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
}

func (g *loadGen) poll(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			resp, err := g.client.Get(g.base + "/jobs")
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
