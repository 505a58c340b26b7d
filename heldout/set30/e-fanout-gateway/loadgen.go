package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// loadGen drives the gateway like a fleet of browsers would: bursts of page
// views, separated by short gaps, with an occasional lull long enough for
// every idle keep-alive connection to be reaped. Burst sizes grow with time.
type loadGen struct {
	base  string
	start time.Time
	hc    *http.Client

	ok, errs atomic.Int64
}

func newLoadGen(base string, start time.Time) *loadGen {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     4 * time.Second,
	}
	return &loadGen{base: base, start: start, hc: &http.Client{Transport: tr, Timeout: 2 * time.Second}}
}

func (lg *loadGen) burstSize() int {
	el := time.Since(lg.start)
	n := 3 + int(el/(7*time.Second))
	if n > 24 {
		n = 24
	}
	return n + rand.Intn(n/2+1)
}

func (lg *loadGen) run(ctx context.Context) {
	nextLull := time.Now().Add(time.Duration(8+rand.Intn(8)) * time.Second)
	for {
		var gap time.Duration
		if time.Now().After(nextLull) {
			gap = time.Duration(4500+rand.Intn(3500)) * time.Millisecond
			nextLull = time.Now().Add(gap + time.Duration(8+rand.Intn(10))*time.Second)
		} else {
			gap = time.Duration(rand.ExpFloat64() * float64(600*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
		lg.burst(ctx, lg.burstSize())
	}
}

func (lg *loadGen) burst(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := lg.view(ctx, rand.Intn(5000)); err != nil {
				lg.errs.Add(1)
				return
			}
			lg.ok.Add(1)
		}()
	}
	wg.Wait()
}

func (lg *loadGen) view(ctx context.Context, sku int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/page?sku=%d", lg.base, sku), nil)
	if err != nil {
		return err
	}
	resp, err := lg.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}
