package main

import (
	"context"
	"encoding/json"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"time"
)

type order struct {
	id        string
	sku       string
	warehouse int
	shipment  string

	stock    int
	cents    int
	tracking string
	closed   bool
	updated  time.Time
}

type orderBook struct {
	mu     sync.RWMutex
	orders map[string]*order
	ids    []string
}

func newOrderBook() *orderBook { return &orderBook{orders: make(map[string]*order)} }

func (b *orderBook) add(o *order) {
	b.mu.Lock()
	o.updated = time.Now()
	b.orders[o.id] = o
	b.ids = append(b.ids, o.id)
	b.mu.Unlock()
}

func (b *orderBook) update(id string, f func(o *order)) {
	b.mu.Lock()
	if o := b.orders[id]; o != nil {
		f(o)
		o.updated = time.Now()
	}
	b.mu.Unlock()
}

func (b *orderBook) setStock(id string, n int)       { b.update(id, func(o *order) { o.stock = n }) }
func (b *orderBook) setPrice(id string, c int)       { b.update(id, func(o *order) { o.cents = c }) }
func (b *orderBook) setTracking(id string, s string) { b.update(id, func(o *order) { o.tracking = s }) }
func (b *orderBook) close(id string)                 { b.update(id, func(o *order) { o.closed = true }) }

func (b *orderBook) open() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, o := range b.orders {
		if !o.closed {
			n++
		}
	}
	return n
}

func (b *orderBook) randomID() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if len(b.ids) == 0 {
		return ""
	}
	return b.ids[rand.Intn(len(b.ids))]
}

func (b *orderBook) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/orders/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/orders/")
		b.mu.RLock()
		o := b.orders[id]
		var view map[string]interface{}
		if o != nil {
			view = map[string]interface{}{"id": o.id, "sku": o.sku, "stock": o.stock, "cents": o.cents, "tracking": o.tracking, "closed": o.closed}
		}
		b.mu.RUnlock()
		if view == nil {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(view)
	})
	mux.HandleFunc("/summary", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]int{"open": b.open()})
	})
	return mux
}

// storefront is the shop's product pages asking about backorders: a few
// readers sharing one client.
func storefront(ctx context.Context, apiURL string, book *orderBook) {
	c := &http.Client{Timeout: 2 * time.Second}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readPages(ctx, c, apiURL, book)
		}()
	}
	wg.Wait()
}

func readPages(ctx context.Context, c *http.Client, apiURL string, book *orderBook) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(200+rand.Intn(600)) * time.Millisecond):
		}
		path := "/summary"
		if id := book.randomID(); id != "" && rand.Intn(3) > 0 {
			path = "/orders/" + id
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			continue
		}
		var v interface{}
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
	}
}
