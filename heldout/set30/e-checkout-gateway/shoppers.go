package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// shoppers simulates storefront traffic: bursts of product views that grow
// over the run, and a slower, steadier stream of checkouts.
type shoppers struct {
	base  string
	start time.Time
	hc    *http.Client
}

func newShoppers(base string, start time.Time) *shoppers {
	return &shoppers{
		base:  base,
		start: start,
		hc:    &http.Client{Transport: newTransport(4, 4*time.Second), Timeout: 3 * time.Second},
	}
}

func (s *shoppers) browse(ctx context.Context) {
	for {
		gap := time.Duration(rand.ExpFloat64() * float64(500*time.Millisecond))
		if rand.Intn(25) == 0 {
			gap = time.Duration(4+rand.Intn(4)) * time.Second // quiet spell
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
		n := 2 + int(time.Since(s.start)/(10*time.Second)) + rand.Intn(4)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.get(ctx, fmt.Sprintf("/products/sku-%04d", rand.Intn(2000)))
			}()
		}
		wg.Wait()
	}
}

func (s *shoppers) checkout(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(300+rand.Intn(900)) * time.Millisecond):
		}
		body, _ := json.Marshal(checkoutRequest{SKU: fmt.Sprintf("sku-%04d", rand.Intn(200)), Qty: 1 + rand.Intn(3)})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/checkout", bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		s.do(req)
	}
}

func (s *shoppers) get(ctx context.Context, path string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return
	}
	s.do(req)
}

func (s *shoppers) do(req *http.Request) {
	resp, err := s.hc.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
