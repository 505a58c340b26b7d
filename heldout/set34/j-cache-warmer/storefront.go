package main

import (
	"context"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// storefront is the page-rendering traffic: a pool of renderers that
// grows from 4 to 16 over the first two minutes, each reading products
// with a skew towards popular ones, plus a flash sale every 25 s when all
// of them read as fast as they can for a few seconds.
type storefront struct {
	base   string
	cat    *catalog
	client *http.Client
	start  time.Time

	mu      sync.Mutex
	saleEnd time.Time

	reads, slow atomic.Int64
}

func newStorefront(base string, cat *catalog) *storefront {
	return &storefront{
		base: base,
		cat:  cat,
		client: &http.Client{
			Timeout:   4 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
	}
}

func (s *storefront) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	renderers := 0
	spawn := func() {
		renderers++
		wg.Add(1)
		seed := int64(renderers)
		go func() {
			defer wg.Done()
			s.renderer(ctx, rand.New(rand.NewSource(time.Now().UnixNano()+seed)))
		}()
	}
	for renderers < 4 {
		spawn()
	}
	grow := time.NewTicker(10 * time.Second)
	defer grow.Stop()
	sale := time.NewTicker(25 * time.Second)
	defer sale.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-grow.C:
			if renderers < 16 {
				spawn()
			}
		case <-sale.C:
			s.mu.Lock()
			s.saleEnd = time.Now().Add(3 * time.Second)
			s.mu.Unlock()
		}
	}
}

func (s *storefront) onSale() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.saleEnd)
}

func (s *storefront) renderer(ctx context.Context, r *rand.Rand) {
	for {
		think := time.Duration(150+r.Intn(500)) * time.Millisecond
		if s.onSale() {
			think = time.Duration(30+r.Intn(40)) * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(think):
		}
		s.read(ctx, s.cat.popular(r))
	}
}

func (s *storefront) read(ctx context.Context, sku string) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1/item/"+sku, nil)
	if err != nil {
		return
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.slow.Add(1)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.reads.Add(1)
	if time.Since(start) > time.Second {
		s.slow.Add(1)
	}
}
