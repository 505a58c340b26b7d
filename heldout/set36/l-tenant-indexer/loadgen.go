package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

var words = strings.Fields(`invoice refund shipment carrier parcel customer address
warehouse pallet sku order return label tracking delay customs courier region
priority express standard backorder supplier quote discount tax currency`)

// apiClient is the in-process users of the indexer.
type apiClient struct {
	base  string
	hc    *http.Client
	start time.Time
}

// ramp grows from 1 to about 3 over the run.
func (c *apiClient) ramp() float64 { return 1 + time.Since(c.start).Seconds()/70 }

func (c *apiClient) getJSON(ctx context.Context, url string, timeout time.Duration, v interface{}) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+url, nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode, nil
}

func (c *apiClient) postJSON(ctx context.Context, url string, body interface{}, timeout time.Duration, v interface{}) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+url, &buf)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode, nil
}

// onboard creates tenants over the run: three at start, then one every
// 4.5 s up to 30, each with its producer and change follower.
func onboard(ctx context.Context, c *apiClient, max int) {
	for n := 0; n < max; n++ {
		if n >= 3 {
			select {
			case <-ctx.Done():
				return
			case <-after(4500 * time.Millisecond):
			}
		}
		name := fmt.Sprintf("acct-%03d", 100+n)
		if code, err := c.postJSON(ctx, "/admin/tenants?shards=4&name="+name, nil, 5*time.Second, nil); err != nil || code != http.StatusCreated {
			log.Printf("onboard %s: %d %v", name, code, err)
			continue
		}
		p := &producer{c: c, tenant: name, bursty: n%3 == 2}
		go p.run(ctx)
		f := &follower{c: c, tenant: name}
		go f.run(ctx)
		tenantNames.add(name)
	}
}

// producer posts document batches for one tenant. Steady tenants post
// every second or so (faster as the run goes on); bursty ones post a burst
// and then stay quiet for up to a minute.
type producer struct {
	c      *apiClient
	tenant string
	bursty bool
	nextID int
}

func (p *producer) gap() time.Duration {
	if !p.bursty {
		return time.Duration(float64(between(500*time.Millisecond, 1600*time.Millisecond)) / p.c.ramp())
	}
	if chance(0.05) {
		return between(25*time.Second, 70*time.Second)
	}
	return between(150*time.Millisecond, 400*time.Millisecond)
}

func (p *producer) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(p.gap()):
		}
		docs := make([]doc, 10+rand.Intn(50))
		for i := range docs {
			p.nextID++
			n := 4 + rand.Intn(12)
			ws := make([]string, n)
			for k := range ws {
				ws[k] = words[rand.Intn(len(words))]
			}
			docs[i] = doc{ID: fmt.Sprintf("%s-%d", p.tenant, p.nextID), Body: strings.Join(ws, " ")}
		}
		var res struct{ Seq uint64 }
		code, err := p.c.postJSON(ctx, "/t/"+p.tenant+"/docs", docs, 5*time.Second, &res)
		if err != nil || code != http.StatusOK {
			continue
		}
		if chance(0.3) {
			go p.awaitVisible(ctx, res.Seq)
		}
	}
}

// awaitVisible is a read-your-writes caller waiting until its batch is
// searchable.
func (p *producer) awaitVisible(ctx context.Context, seq uint64) {
	var res struct{ Committed uint64 }
	p.c.getJSON(ctx, fmt.Sprintf("/t/%s/refresh?seq=%d&wait=25000", p.tenant, seq), 30*time.Second, &res)
	if res.Committed >= seq {
		p.c.getJSON(ctx, "/t/"+p.tenant+"/search?q="+words[rand.Intn(len(words))], 5*time.Second, nil)
	}
}

// follower tails a tenant's commits with long-polls, like a cache
// invalidator downstream of the index would.
type follower struct {
	c      *apiClient
	tenant string
	cursor uint64
}

func (f *follower) run(ctx context.Context) {
	for ctx.Err() == nil {
		var res struct{ Committed uint64 }
		code, err := f.c.getJSON(ctx, fmt.Sprintf("/t/%s/changes?after=%d&wait=75000", f.tenant, f.cursor), 80*time.Second, &res)
		var pause time.Duration
		switch {
		case err != nil:
			pause = between(time.Second, 3*time.Second)
		case code == http.StatusOK && res.Committed > f.cursor:
			f.cursor = res.Committed
			pause = between(50*time.Millisecond, 400*time.Millisecond)
		}
		if pause > 0 {
			select {
			case <-ctx.Done():
				return
			case <-after(pause):
			}
		}
	}
}

// mergeScheduler is the ops cron that asks for merges of random tenants
// and follows each job for a minute.
func mergeScheduler(ctx context.Context, c *apiClient) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(time.Duration(float64(between(700*time.Millisecond, 1800*time.Millisecond)) / c.ramp())):
		}
		name := tenantNames.pick()
		if name == "" {
			continue
		}
		var res struct{ Job string }
		if code, err := c.postJSON(ctx, "/t/"+name+"/merge", nil, 5*time.Second, &res); err != nil || code != http.StatusAccepted {
			continue
		}
		go watchJob(ctx, c, res.Job)
	}
}

var stuckJobs int64

func watchJob(ctx context.Context, c *apiClient, id string) {
	for i := 0; i < 3; i++ {
		var st struct{ State, Summary string }
		if _, err := c.getJSON(ctx, "/jobs/"+id+"?wait=20000", 25*time.Second, &st); err != nil {
			return
		}
		if st.State != "running" {
			return
		}
	}
	atomic.AddInt64(&stuckJobs, 1)
	log.Printf("ops: merge job %s still running after a minute, giving up on it", id)
}

// searchers query random tenants.
func searcher(ctx context.Context, c *apiClient) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(between(200*time.Millisecond, 700*time.Millisecond)):
		}
		if name := tenantNames.pick(); name != "" {
			c.getJSON(ctx, "/t/"+name+"/search?q="+words[rand.Intn(len(words))], 3*time.Second, nil)
		}
	}
}
