package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

type apiRequest struct {
	method string
	path   string
}

// loadGen drives the HTTP front end through a pool of client workers; the
// rate ramps over the run and doubles for 4 s every 30 s.
type loadGen struct {
	base     string
	client   *http.Client
	start    time.Time
	counters *counterFlusher
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 8 + el*0.3
	if int(el)%30 >= 20 && int(el)%30 < 24 {
		r *= 2
	}
	return r
}

func (g *loadGen) next() apiRequest {
	key := fmt.Sprintf("user:%04d", randIntn(3000))
	switch p := randIntn(100); {
	case p < 60:
		return apiRequest{http.MethodGet, "/v1/items/" + key}
	case p < 88:
		return apiRequest{http.MethodPut, fmt.Sprintf("/v1/items/%s?value=%d", key, randIntn(1e6))}
	default:
		return apiRequest{http.MethodGet, fmt.Sprintf("/v1/shards/%d/keys?limit=%d", randIntn(16), 20+randIntn(100))}
	}
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan apiRequest, 32)
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

func (g *loadGen) worker(ctx context.Context, jobs <-chan apiRequest) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			req, err := http.NewRequestWithContext(ctx, j.method, g.base+j.path, nil)
			if err != nil {
				continue
			}
			resp, err := g.client.Do(req)
			if err != nil {
				g.counters.incr("client_errors")
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			g.counters.incr(fmt.Sprintf("status_%d", resp.StatusCode))
		}
	}
}

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func jitter(lo, hi time.Duration) time.Duration {
	rngMu.Lock()
	defer rngMu.Unlock()
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

// pause waits for d unless ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}
