package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

type gateway struct {
	quotes  *hedgedClient
	fx      *fxCache
	stats   *statsCollector
	timeout time.Duration
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", g.handleQuote)
	mux.HandleFunc("/basket", g.handleBasket)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	return mux
}

type quoteResponse struct {
	Quote
	Currency string  `json:"currency"`
	Rate     float64 `json:"rate"`
}

func (g *gateway) handleQuote(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sym := r.URL.Query().Get("sym")
	ccy := r.URL.Query().Get("ccy")
	if ccy == "" {
		ccy = "USD"
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()

	q, err := g.quotes.Fetch(ctx, sym)
	g.stats.observe("quote", time.Since(start), err)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	rate, ok := g.fx.rate(ccy)
	if !ok {
		http.Error(w, "unknown currency", http.StatusBadRequest)
		return
	}
	writeJSON(w, quoteResponse{Quote: q, Currency: ccy, Rate: rate})
}

type basketLeg struct {
	idx   int
	quote Quote
	err   error
}

// handleBasket prices several symbols concurrently; every leg must succeed.
func (g *gateway) handleBasket(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	syms := strings.Split(r.URL.Query().Get("syms"), ",")
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()

	legs := make(chan basketLeg, len(syms))
	for i, s := range syms {
		go func(i int, s string) {
			q, err := g.quotes.Fetch(ctx, s)
			legs <- basketLeg{idx: i, quote: q, err: err}
		}(i, s)
	}
	out := make([]Quote, len(syms))
	var firstErr error
	for range syms {
		l := <-legs
		if l.err != nil && firstErr == nil {
			firstErr = l.err
		}
		out[l.idx] = l.quote
	}
	g.stats.observe("basket", time.Since(start), firstErr)
	if firstErr != nil {
		http.Error(w, firstErr.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
