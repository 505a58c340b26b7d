package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// gateway serves /page?sku=N by fetching the item from several backends
// concurrently and merging what comes back.
type gateway struct {
	up     *upstream
	fanout int

	ok, failed atomic.Int64
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", g.handlePage)
	return mux
}

func (g *gateway) stats() (int64, int64) { return g.ok.Load(), g.failed.Load() }

func (g *gateway) handlePage(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	if _, err := strconv.Atoi(sku); err != nil {
		http.Error(w, "bad sku", http.StatusBadRequest)
		return
	}
	targets := g.up.fleet.pick(g.fanout)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		items []*item
	)
	for _, b := range targets {
		wg.Add(1)
		go func(b *itemBackend) {
			defer wg.Done()
			it, err := g.up.getItem(r.Context(), b, sku)
			if err != nil {
				return
			}
			mu.Lock()
			items = append(items, it)
			mu.Unlock()
		}(b)
	}
	wg.Wait()
	if len(items) == 0 {
		g.failed.Add(1)
		http.Error(w, "no backend answered", http.StatusBadGateway)
		return
	}
	g.ok.Add(1)
	best := items[0]
	for _, it := range items[1:] {
		if it.Price < best.Price {
			best = it
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{
		"sku":     sku,
		"offers":  len(items),
		"best":    best,
		"sources": len(targets),
	})
}
