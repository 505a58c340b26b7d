package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// traffic simulates the clients of the resolver: a pool of stub resolvers
// whose query rate ramps up (with a burst every 30 s) over a name space
// that keeps growing, and a roster of watch clients (service-discovery
// sidecars) that long-poll a few hot names for address changes.
type traffic struct {
	base   string
	zones  []string
	start  time.Time
	client *http.Client
	watchc *http.Client

	mu       sync.Mutex
	answered int
	timedOut int
	watches  int
}

func newTraffic(base string, zones []string) *traffic {
	return &traffic{
		base:  base,
		zones: zones,
		start: time.Now(),
		client: &http.Client{
			Timeout:   6 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		},
		watchc: &http.Client{
			Timeout:   200 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 96, IdleConnTimeout: 60 * time.Second},
		},
	}
}

func (t *traffic) elapsed() float64 { return time.Since(t.start).Seconds() }

// universe is how many distinct names clients currently ask about.
func (t *traffic) universe() int {
	n := 40 + int(t.elapsed()*2.6)
	if n > 420 {
		n = 420
	}
	return n
}

func (t *traffic) pickName(hot bool) string {
	n := t.universe()
	if hot {
		n = 60
	}
	// skewed towards low indexes, like real query popularity
	i := int(math.Pow(randFloat64(), 2.2) * float64(n))
	return fmt.Sprintf("host%d.%s", i, t.zones[i%len(t.zones)])
}

func (t *traffic) rate() float64 {
	el := t.elapsed()
	r := 8 + el*0.3
	if int(el)%30 >= 22 && int(el)%30 < 26 {
		r *= 2
	}
	return r
}

func (t *traffic) runStubs(ctx context.Context, workers int) {
	jobs := make(chan string, 32)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.stubWorker(ctx, jobs)
		}()
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var carry float64
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		carry += t.rate() / 10
		for ; carry >= 1; carry-- {
			select {
			case jobs <- t.pickName(false):
			case <-ctx.Done():
				break loop
			}
		}
	}
	wg.Wait()
}

func (t *traffic) stubWorker(ctx context.Context, jobs <-chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case name := <-jobs:
			timeout := time.Duration(500+randIntn(2500)) * time.Millisecond
			q := url.Values{"name": {name}, "timeout": {timeout.String()}}
			resp, err := t.client.Get(t.base + "/resolve?" + q.Encode())
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			t.mu.Lock()
			if resp.StatusCode == http.StatusOK {
				t.answered++
			} else {
				t.timedOut++
			}
			t.mu.Unlock()
		}
	}
}

// runWatchers grows the roster of watch clients: a few at first, one more
// every 3 s up to max. About a third of them are short-lived sidecars that
// shut down after a minute or two.
func (t *traffic) runWatchers(ctx context.Context, initial, max int) {
	var wg sync.WaitGroup
	spawn := func(id int) {
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if randIntn(3) == 0 {
			wctx, cancel = context.WithTimeout(ctx, time.Duration(50+randIntn(60))*time.Second)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			t.watchLoop(wctx, id)
		}()
	}
	for i := 0; i < initial; i++ {
		spawn(i)
	}
	next := initial
	add := time.NewTicker(3 * time.Second)
	defer add.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-add.C:
		}
		if next < max {
			spawn(next)
			next++
		} else if randIntn(4) == 0 {
			spawn(next) // replacements for sidecars that left
			next++
		}
	}
}

func (t *traffic) watchLoop(ctx context.Context, id int) {
	name := t.pickName(true)
	addr := ""
	for ctx.Err() == nil {
		wait := time.Duration(60+randIntn(90)) * time.Second
		q := url.Values{"name": {name}, "addr": {addr}, "timeout": {wait.String()}}
		req, _ := http.NewRequestWithContext(ctx, "GET", t.base+"/watch?"+q.Encode(), nil)
		resp, err := t.watchc.Do(req)
		if err != nil {
			if !pause(ctx, 2*time.Second) {
				return
			}
			continue
		}
		var rep resolveReply
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		t.mu.Lock()
		t.watches++
		t.mu.Unlock()
		if err != nil || resp.StatusCode != http.StatusOK {
			if !pause(ctx, time.Duration(1+randIntn(3))*time.Second) {
				return
			}
			continue
		}
		addr = rep.Addr
	}
}

func (t *traffic) summary() (answered, timedOut, watches int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.answered, t.timedOut, t.watches
}
