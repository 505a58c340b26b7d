package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// loadGen plays the relay's clients: a growing set of polling consumers
// that subscribe, poll for a while and unsubscribe; a few dashboards that
// hold a stream open for the whole run; and short-lived stream readers
// (alerting hooks, CLI tails) that want a handful of frames within a
// deadline and hang up when it expires. All rates ramp with elapsed time.
type loadGen struct {
	base    string
	topics  []string
	weights []int
	client  *http.Client
	start   time.Time

	mu  sync.Mutex
	rnd *rand.Rand
}

func newLoadGen(base string, topics []string, weights []int) *loadGen {
	return &loadGen{
		base:    base,
		topics:  topics,
		weights: weights,
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 15 * time.Second},
		},
		start: time.Now(),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x7e1a)),
	}
}

func (g *loadGen) elapsed() float64 { return time.Since(g.start).Seconds() }

func (g *loadGen) intn(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rnd.Intn(n)
}

func (g *loadGen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.intn(int(hi-lo)/int(time.Millisecond)+1))*time.Millisecond
}

func (g *loadGen) pickTopic() string {
	total := 0
	for _, w := range g.weights {
		total += w
	}
	n := g.intn(total)
	for i, w := range g.weights {
		if n < w {
			return g.topics[i]
		}
		n -= w
	}
	return g.topics[0]
}

func (g *loadGen) run(ctx context.Context) {
	for i := 0; i < 3; i++ {
		go g.dashboard(ctx, g.topics[i%len(g.topics)])
	}
	go g.pollStats(ctx)
	go g.streamTails(ctx)

	// Polling consumers: 4 at start, one more every ~7 s.
	pollers := 0
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		want := 4 + int(g.elapsed()/7)
		for ; pollers < want; pollers++ {
			go g.pollClient(ctx, pollers)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollClient repeatedly subscribes, polls for 6-25 s and unsubscribes; now
// and then it just walks away and leaves the subscription to the reaper.
func (g *loadGen) pollClient(ctx context.Context, n int) {
	for ctx.Err() == nil {
		topic := g.pickTopic()
		var resp struct {
			ID uint32 `json:"id"`
		}
		if err := g.postJSON(ctx, "/v1/subscribe", url.Values{"topic": {topic}}, &resp); err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		id := fmt.Sprint(resp.ID)
		until := time.Now().Add(g.between(6*time.Second, 25*time.Second))
		for time.Now().Before(until) && ctx.Err() == nil {
			var frames []json.RawMessage
			if err := g.getJSON(ctx, "/v1/poll?wait=1s&id="+id, &frames); err != nil {
				break
			}
			sleepCtx(ctx, g.between(50*time.Millisecond, 400*time.Millisecond))
		}
		if g.intn(10) == 0 {
			sleepCtx(ctx, g.between(time.Second, 3*time.Second))
			continue // abandoned; the reaper cleans it up
		}
		g.postJSON(ctx, "/v1/unsubscribe", url.Values{"id": {id}}, nil)
		sleepCtx(ctx, g.between(200*time.Millisecond, 2*time.Second))
	}
}

// dashboard keeps one unbounded stream open, reconnecting if it drops.
func (g *loadGen) dashboard(ctx context.Context, topic string) {
	for ctx.Err() == nil {
		g.tail(ctx, topic, 0)
		sleepCtx(ctx, time.Second)
	}
}

// streamTails starts short stream readers at a ramping rate: each wants
// 3-12 frames and gives up after 2-5 s.
func (g *loadGen) streamTails(ctx context.Context) {
	for ctx.Err() == nil {
		rate := 0.25 + g.elapsed()/300
		gap := time.Duration(float64(time.Second) / rate)
		sleepCtx(ctx, g.between(gap/2, gap*3/2))
		topic := g.pickTopic()
		max := 3 + g.intn(10)
		deadline := g.between(2*time.Second, 5*time.Second)
		go func() {
			tctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			g.tail(tctx, topic, max)
		}()
	}
}

// tail reads a /v1/stream response line by line until it ends or ctx does.
func (g *loadGen) tail(ctx context.Context, topic string, max int) int {
	u := fmt.Sprintf("%s/v1/stream?topic=%s&max=%d", g.base, url.QueryEscape(topic), max)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	n := 0
	for sc.Scan() {
		n++
	}
	return n
}

func (g *loadGen) pollStats(ctx context.Context) {
	t := time.NewTicker(4 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var st map[string]int64
			g.getJSON(ctx, "/v1/stats", &st)
		}
	}
}

func (g *loadGen) postJSON(ctx context.Context, path string, form url.Values, out interface{}) error {
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, g.base+path, nil)
	if err != nil {
		return err
	}
	req.URL.RawQuery = form.Encode()
	return g.do(req, out)
}

func (g *loadGen) getJSON(ctx context.Context, path string, out interface{}) error {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return err
	}
	return g.do(req, out)
}

func (g *loadGen) do(req *http.Request, out interface{}) error {
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		io.Copy(ioutil.Discard, resp.Body)
		return fmt.Errorf("%s: %s", req.URL.Path, resp.Status)
	}
	if out == nil {
		_, err = io.Copy(ioutil.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
