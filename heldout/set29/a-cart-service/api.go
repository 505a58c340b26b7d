package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type API struct {
	store   *Store
	catalog *Catalog

	requests, errors4xx int64
}

func (a *API) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/carts/", a.handleCarts)
	mux.HandleFunc("/v1/catalog", a.handleCatalog)
	mux.HandleFunc("/v1/orders/recent", a.handleRecent)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok carts=%d\n", a.store.NumCarts())
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&a.requests, 1)
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (a *API) fail(w http.ResponseWriter, code int, err error) {
	if code < 500 {
		atomic.AddInt64(&a.errors4xx, 1)
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// handleCarts routes
//
//	GET    /v1/carts/{customer}
//	POST   /v1/carts/{customer}/items        {"sku":..., "qty":...}
//	DELETE /v1/carts/{customer}/items/{sku}
//	POST   /v1/carts/{customer}/checkout
func (a *API) handleCarts(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1/carts/"), "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		a.fail(w, http.StatusNotFound, errors.New("no customer"))
		return
	}
	customer := parts[0]
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, a.store.Get(customer))

	case len(parts) == 2 && parts[1] == "items" && r.Method == http.MethodPost:
		var req struct {
			SKU string `json:"sku"`
			Qty int    `json:"qty"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			a.fail(w, http.StatusBadRequest, err)
			return
		}
		if req.Qty <= 0 {
			req.Qty = 1
		}
		v, err := a.store.AddItem(customer, req.SKU, req.Qty)
		switch {
		case err == errUnknownSKU:
			a.fail(w, http.StatusNotFound, err)
		case err != nil:
			a.fail(w, http.StatusConflict, err)
		default:
			writeJSON(w, http.StatusOK, v)
		}

	case len(parts) == 3 && parts[1] == "items" && r.Method == http.MethodDelete:
		writeJSON(w, http.StatusOK, a.store.RemoveItem(customer, parts[2]))

	case len(parts) == 2 && parts[1] == "checkout" && r.Method == http.MethodPost:
		o, err := a.store.Checkout(customer)
		switch {
		case err == errEmptyCart:
			a.fail(w, http.StatusConflict, err)
		case err != nil:
			a.fail(w, http.StatusServiceUnavailable, err)
		default:
			writeJSON(w, http.StatusCreated, map[string]interface{}{"order_id": o.ID, "total_cents": o.Total})
		}

	default:
		a.fail(w, http.StatusNotFound, fmt.Errorf("no route for %s %s", r.Method, r.URL.Path))
	}
}

func (a *API) handleCatalog(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	w.Header().Set("Cache-Control", "max-age=10")
	writeJSON(w, http.StatusOK, a.catalog.Page(offset, limit))
}

func (a *API) handleRecent(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.store.Recent())
}

func (a *API) reportStats(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		log.Printf("carts: requests=%d 4xx=%d carts=%d evicted=%d fulfilled=%d",
			atomic.LoadInt64(&a.requests), atomic.LoadInt64(&a.errors4xx), a.store.NumCarts(),
			atomic.LoadInt64(&a.store.evicted), atomic.LoadInt64(&a.store.fulfilled))
	}
}
