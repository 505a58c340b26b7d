package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// hedgedClient fetches quotes from the replica pool. If the first replica
// has not answered within hedgeAfter, the same request is sent to a second
// replica and whichever answers first wins.
type hedgedClient struct {
	http       *http.Client
	replicas   []string
	hedgeAfter time.Duration
	rr         uint32

	calls  int64
	hedged int64
	errors int64
}

type attemptResult struct {
	quote   Quote
	err     error
	replica string
	took    time.Duration
}

func newHedgedClient(hc *http.Client, replicas []string, hedgeAfter time.Duration) *hedgedClient {
	return &hedgedClient{http: hc, replicas: replicas, hedgeAfter: hedgeAfter}
}

// order returns the replicas in round-robin order starting at the next one.
func (c *hedgedClient) order() []string {
	n := atomic.AddUint32(&c.rr, 1)
	out := make([]string, len(c.replicas))
	for i := range out {
		out[i] = c.replicas[(int(n)+i)%len(c.replicas)]
	}
	return out
}

const maxAttempts = 2

func (c *hedgedClient) Fetch(ctx context.Context, sym string) (Quote, error) {
	atomic.AddInt64(&c.calls, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	replicas := c.order()
	results := make(chan attemptResult)
	go c.attempt(ctx, replicas[0], sym, results)
	launched, inflight := 1, 1

	hedge := time.NewTimer(c.hedgeAfter)
	defer hedge.Stop()

	var firstErr error
	for {
		select {
		case res := <-results:
			inflight--
			if res.err == nil {
				return res.quote, nil
			}
			atomic.AddInt64(&c.errors, 1)
			if firstErr == nil {
				firstErr = res.err
			}
			if launched < maxAttempts {
				// fail over right away instead of waiting for the hedge timer
				go c.attempt(ctx, replicas[launched], sym, results)
				launched++
				inflight++
				continue
			}
			if inflight == 0 {
				return Quote{}, firstErr
			}
		case <-hedge.C:
			if launched < maxAttempts {
				atomic.AddInt64(&c.hedged, 1)
				go c.attempt(ctx, replicas[launched], sym, results)
				launched++
				inflight++
			}
		case <-ctx.Done():
			return Quote{}, ctx.Err()
		}
	}
}

func (c *hedgedClient) attempt(ctx context.Context, base, sym string, out chan<- attemptResult) {
	start := time.Now()
	q, err := c.get(ctx, base, sym)
	out <- attemptResult{quote: q, err: err, replica: base, took: time.Since(start)}
}

func (c *hedgedClient) get(ctx context.Context, base, sym string) (Quote, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/price?sym="+url.QueryEscape(sym), nil)
	if err != nil {
		return Quote{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Quote{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Quote{}, fmt.Errorf("%s: %s", base, resp.Status)
	}
	var q Quote
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return Quote{}, err
	}
	return q, nil
}
