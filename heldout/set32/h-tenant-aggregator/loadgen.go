package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strings"
	"sync"
	"time"
)

var metricNames = []string{"latency_ms", "requests", "errors", "queue_depth", "cpu_pct", "bytes_out"}

var prospects = []string{
	"hooli", "initrode", "wayne", "stark", "tyrell", "cyberdyne", "oscorp", "soylent",
	"wonka", "gringotts", "vandelay", "dunder", "pied-piper", "aperture", "blackmesa",
	"monarch", "massive", "nakatomi", "octan", "prestige", "rekall", "sirius", "spacely",
	"virtucon", "weyland", "yoyodyne", "zorg", "bluth", "cogswell", "duff", "ecorp",
	"fringe", "genco", "hanso", "ingen", "krusty", "lacroix", "mooby", "nimbus", "omni",
	"planet", "quark", "rich", "sterling", "tessier", "ubik", "veridian",
}

// loadGen plays the tenants' agents and dashboards through a pool of
// client workers; the rate ramps over the run and doubles for 5 s every
// 25 s. New tenants sign up every few seconds.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time

	mu      sync.Mutex
	tenants []string
}

func newLoadGen(base string, tenants []string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   2 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start:   time.Now(),
		tenants: append([]string(nil), tenants...),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 12 + el*0.18
	if int(el)%25 >= 15 && int(el)%25 < 20 {
		r *= 2
	}
	return r
}

func (g *loadGen) pickTenant() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tenants[randIntn(len(g.tenants))]
}

type call struct {
	method, path string
	body         []byte
}

func (g *loadGen) next() call {
	p := randIntn(100)
	switch {
	case p < 74:
		n := 5 + randIntn(20)
		batch := make([]event, n)
		now := time.Now()
		for i := range batch {
			batch[i] = event{Metric: metricNames[randIntn(len(metricNames))], Value: randFloat() * 500, At: now}
		}
		body, _ := json.Marshal(batch)
		return call{http.MethodPost, "/ingest?tenant=" + g.pickTenant(), body}
	case p < 95:
		plan := ""
		if randIntn(4) != 0 {
			plan = plans[randIntn(len(plans))]
		}
		return call{http.MethodGet, "/query?metric=" + metricNames[randIntn(len(metricNames))] + "&plan=" + plan, nil}
	default:
		k := 2 + randIntn(3)
		ms := make([]string, k)
		for i := range ms {
			ms[i] = metricNames[(i+randIntn(len(metricNames)))%len(metricNames)]
		}
		return call{http.MethodGet, "/report?metrics=" + strings.Join(ms, ",") + "&plan=" + plans[randIntn(len(plans))], nil}
	}
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan call, 32)
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
			select {
			case jobs <- g.next():
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan call) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-jobs:
			g.do(c)
		}
	}
}

func (g *loadGen) do(c call) int {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, g.base+c.path, body)
	if err != nil {
		return 0
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// signups registers a new tenant every 2.5-4.5 s until max tenants exist.
func (g *loadGen) signups(ctx context.Context, max int) {
	next := 0
	for {
		g.mu.Lock()
		n := len(g.tenants)
		g.mu.Unlock()
		if n >= max || next >= len(prospects) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(2500*time.Millisecond, 4500*time.Millisecond)):
		}
		name := prospects[next]
		next++
		if code := g.do(call{method: http.MethodPost, path: fmt.Sprintf("/tenants?name=%s", name)}); code == http.StatusCreated {
			g.mu.Lock()
			g.tenants = append(g.tenants, name)
			g.mu.Unlock()
		}
	}
}
