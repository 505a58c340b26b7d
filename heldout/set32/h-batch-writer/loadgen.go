package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

var metricNames = []string{"cpu.user", "cpu.system", "mem.used", "disk.io_wait", "net.rx_bytes", "net.tx_bytes"}

type host struct {
	name    string
	metrics []string
	seq     int
}

// loadGen plays a fleet of agents pushing to the ingest API. The fleet
// grows over the run (a host joins every few seconds, an occasional one is
// decommissioned) and the push rate ramps with it.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time

	mu     sync.Mutex
	hosts  []*host
	nextID int
}

func newLoadGen(base string) *loadGen {
	g := &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
	}
	for i := 0; i < 10; i++ {
		g.addHost()
	}
	return g
}

func (g *loadGen) addHost() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextID++
	h := &host{name: fmt.Sprintf("web-%03d", g.nextID)}
	for _, m := range metricNames {
		if randIntn(5) > 0 {
			h.metrics = append(h.metrics, h.name+"."+m)
		}
	}
	g.hosts = append(g.hosts, h)
}

func (g *loadGen) decommission() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.hosts) < 12 {
		return
	}
	i := randIntn(len(g.hosts))
	g.hosts = append(g.hosts[:i], g.hosts[i+1:]...)
}

func (g *loadGen) pick() *host {
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.hosts[randIntn(len(g.hosts))]
	h.seq++
	return h
}

// rate is pushes per second: it follows the fleet size, with a scrape
// storm for 3 s every 30 s.
func (g *loadGen) rate() float64 {
	g.mu.Lock()
	n := len(g.hosts)
	g.mu.Unlock()
	el := time.Since(g.start).Seconds()
	r := 1.2 * float64(n) * (1 + 0.15*math.Sin(el/9))
	if int(el)%30 >= 21 && int(el)%30 < 24 {
		r *= 2
	}
	return r
}

func (g *loadGen) run(ctx context.Context) {
	go g.fleet(ctx)
	jobs := make(chan *host, 32)
	for i := 0; i < 10; i++ {
		go g.agent(ctx, jobs)
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
			case jobs <- g.pick():
			case <-ctx.Done():
				return
			}
		}
	}
}

// fleet grows the host roster.
func (g *loadGen) fleet(ctx context.Context) {
	t := time.NewTicker(2500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g.addHost()
		if randIntn(6) == 0 {
			g.decommission()
		}
	}
}

func (g *loadGen) agent(ctx context.Context, jobs <-chan *host) {
	var buf bytes.Buffer
	for {
		var h *host
		select {
		case <-ctx.Done():
			return
		case h = <-jobs:
		}
		buf.Reset()
		now := time.Now().UnixNano() / int64(time.Millisecond)
		for _, m := range h.metrics {
			buf.WriteString(m)
			buf.WriteByte(' ')
			buf.WriteString(strconv.FormatInt(now, 10))
			buf.WriteByte(' ')
			buf.WriteString(strconv.FormatFloat(randFloat()*100, 'f', 3, 64))
			buf.WriteByte('\n')
		}
		resp, err := g.client.Post(g.base+"/api/v1/push", "text/plain", bytes.NewReader(buf.Bytes()))
		if err != nil {
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}
