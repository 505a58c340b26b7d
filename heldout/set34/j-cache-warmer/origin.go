package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// origin is the product service the cache sits in front of. Assembling a
// product page is slow, and every 20-30 s the origin goes through a slow
// patch (a compaction, a noisy neighbour) for a few seconds.
type origin struct {
	cat *catalog

	mu        sync.Mutex
	rnd       *rand.Rand
	slowUntil time.Time

	served atomic.Int64
}

type product struct {
	SKU       string    `json:"sku"`
	Title     string    `json:"title"`
	PriceCent int       `json:"price_cents"`
	Stock     int       `json:"stock"`
	Built     time.Time `json:"built"`
}

func newOrigin(c *catalog) *origin {
	return &origin{cat: c, rnd: rand.New(rand.NewSource(time.Now().UnixNano() + 7))}
}

func (o *origin) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/products/", o.handleProduct)
	return mux
}

func (o *origin) slowPatch() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().Before(o.slowUntil)
}

func (o *origin) latency(sku string) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	var d time.Duration
	switch coldness(sku) {
	case 0:
		d = time.Duration(15+o.rnd.Intn(105)) * time.Millisecond
	case 1:
		d = time.Duration(200+o.rnd.Intn(700)) * time.Millisecond
	default:
		d = time.Duration(1200+o.rnd.Intn(3300)) * time.Millisecond
	}
	if time.Now().Before(o.slowUntil) {
		d += time.Duration(500+o.rnd.Intn(2000)) * time.Millisecond
	}
	return d
}

func (o *origin) handleProduct(w http.ResponseWriter, r *http.Request) {
	sku := strings.TrimPrefix(r.URL.Path, "/v1/products/")
	if sku == "" {
		http.NotFound(w, r)
		return
	}
	build := time.NewTimer(o.latency(sku))
	defer build.Stop()
	select {
	case <-build.C:
	case <-r.Context().Done():
		return
	}
	o.served.Add(1)
	o.mu.Lock()
	p := product{
		SKU:       sku,
		Title:     fmt.Sprintf("Product %s", sku),
		PriceCent: 499 + o.rnd.Intn(20000),
		Stock:     o.rnd.Intn(500),
		Built:     time.Now(),
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", 40+p.Stock%140))
	json.NewEncoder(w).Encode(p)
}

// weather schedules the origin's slow patches.
func (o *origin) weather(ctx context.Context) {
	for {
		o.mu.Lock()
		calm := time.Duration(20000+o.rnd.Intn(10000)) * time.Millisecond
		patch := time.Duration(3000+o.rnd.Intn(3000)) * time.Millisecond
		o.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(calm):
		}
		o.mu.Lock()
		o.slowUntil = time.Now().Add(patch)
		o.mu.Unlock()
	}
}
