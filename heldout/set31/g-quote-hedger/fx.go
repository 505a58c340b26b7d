package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// fxCache keeps a conversion table, refreshed from all replicas and
// averaged.
type fxCache struct {
	http     *http.Client
	replicas []string

	mu    sync.RWMutex
	rates map[string]float64
	asOf  time.Time
}

func newFXCache(hc *http.Client, replicas []string) *fxCache {
	return &fxCache{http: hc, replicas: replicas, rates: map[string]float64{"USD": 1}}
}

type fxResult struct {
	rates map[string]float64
	err   error
}

func (f *fxCache) refreshLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		f.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (f *fxCache) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	results := make(chan fxResult, len(f.replicas))
	for _, base := range f.replicas {
		go func(base string) {
			r, err := f.fetch(ctx, base)
			results <- fxResult{rates: r, err: err}
		}(base)
	}
	sum := map[string]float64{}
	n := 0
	for i := 0; i < len(f.replicas); i++ {
		res := <-results
		if res.err != nil {
			continue
		}
		n++
		for k, v := range res.rates {
			sum[k] += v
		}
	}
	if n == 0 {
		return
	}
	f.mu.Lock()
	for k, v := range sum {
		f.rates[k] = v / float64(n)
	}
	f.asOf = time.Now()
	f.mu.Unlock()
}

func (f *fxCache) fetch(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/fx", nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m map[string]float64
	err = json.NewDecoder(resp.Body).Decode(&m)
	return m, err
}

func (f *fxCache) rate(ccy string) (float64, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	r, ok := f.rates[ccy]
	return r, ok
}
