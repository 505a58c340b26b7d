package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// loadGen plays the channels that post to the ledger (cards, transfers,
// fees) and the back-office screens that read it. The posting rate ramps
// up over the run and the customer base grows: a new account starts
// posting every few seconds, from 4 to about 44.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time
	rnd    *rand.Rand
}

type request struct {
	method string
	path   string
	form   url.Values
}

func newLoadGen(base string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 20 * time.Second},
		},
		start: time.Now(),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x1ed9e5)),
	}
}

func (g *loadGen) elapsed() float64 { return time.Since(g.start).Seconds() }

func (g *loadGen) customers() int { return 4 + int(g.elapsed()/3.5) }

func (g *loadGen) rate() float64 {
	el := g.elapsed()
	r := 20 + el*0.6
	if int(el)%23 < 3 { // payroll / batch-file bursts
		r *= 3
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan request)
	for i := 0; i < 24; i++ {
		go g.worker(ctx, jobs)
	}
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
			req := g.next()
			select {
			case jobs <- req:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) next() request {
	n := g.customers()
	// newer customers post more: skew towards the top of the range
	i := n - 1 - int(float64(n)*g.rnd.Float64()*g.rnd.Float64())
	acct := fmt.Sprintf("ACC-%05d", 1000+i*37)
	switch x := g.rnd.Intn(100); {
	case x < 70:
		amt := int64(g.rnd.Intn(200000)) - 60000
		return request{http.MethodPost, "/v1/postings", url.Values{
			"account": {acct}, "amount": {strconv.FormatInt(amt, 10)}, "memo": {"card"}}}
	case x < 88:
		return request{http.MethodGet, "/v1/balance", url.Values{"account": {acct}}}
	case x < 95:
		return request{http.MethodGet, "/v1/gl", nil}
	case x < 98:
		return request{http.MethodGet, "/v1/exposure", nil}
	default:
		return request{http.MethodGet, "/v1/stats", nil}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan request) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-jobs:
			var resp *http.Response
			var err error
			if req.method == http.MethodPost {
				resp, err = g.client.PostForm(g.base+req.path, req.form)
			} else {
				u := g.base + req.path
				if req.form != nil {
					u += "?" + req.form.Encode()
				}
				resp, err = g.client.Get(u)
			}
			if err != nil {
				continue
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
