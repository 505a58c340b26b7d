package main

import (
	"context"
	"io"
	"io/ioutil"
	"net/http"
	"strings"
	"time"
)

var symbols = []string{"ACME", "GLOBX", "INITECH", "UMBR", "HOOLI", "WAYNE", "STARK", "TYRELL", "CYBERD", "OSCORP"}
var currencies = []string{"USD", "EUR", "GBP", "JPY"}

type request struct {
	path string
}

// loadGen drives the gateway through a fixed pool of client workers; the
// request rate ramps over the run and bursts for 3 s every 25 s.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time
}

func newLoadGen(base string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   2 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 4 + el*0.09
	if int(el)%25 >= 12 && int(el)%25 < 15 {
		r *= 2.5
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan request, 16)
	for i := 0; i < 12; i++ {
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
			var req request
			if randIntn(10) == 0 {
				picks := make([]string, 2+randIntn(3))
				for i := range picks {
					picks[i] = symbols[randIntn(len(symbols))]
				}
				req.path = "/basket?syms=" + strings.Join(picks, ",")
			} else {
				req.path = "/quote?sym=" + symbols[randIntn(len(symbols))] + "&ccy=" + currencies[randIntn(len(currencies))]
			}
			select {
			case jobs <- req:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan request) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-jobs:
			resp, err := g.client.Get(g.base + req.path)
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
