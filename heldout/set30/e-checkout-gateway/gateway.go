package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
)

type gateway struct {
	catalog   *catalogClient
	inventory *inventoryClient

	views, orders, outOfStock, errors atomic.Int64
	orderSeq                          atomic.Int64
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/products/", g.handleProduct)
	mux.HandleFunc("/checkout", g.handleCheckout)
	return mux
}

func (g *gateway) handleProduct(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Path[len("/products/"):]
	p, err := g.catalog.get(r.Context(), sku)
	if err != nil {
		g.errors.Add(1)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	g.views.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p)
}

type checkoutRequest struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

func (g *gateway) handleCheckout(w http.ResponseWriter, r *http.Request) {
	var in checkoutRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Qty <= 0 {
		http.Error(w, "bad checkout", http.StatusBadRequest)
		return
	}
	p, err := g.catalog.get(r.Context(), in.SKU)
	if err != nil {
		g.errors.Add(1)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	orderID := "ord-" + strconv.FormatInt(g.orderSeq.Add(1), 10)
	res, err := g.inventory.reserve(orderID, in.SKU, in.Qty)
	var oos *outOfStockError
	switch {
	case errors.As(err, &oos):
		g.outOfStock.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"sku": oos.SKU, "available": oos.Available})
		return
	case err != nil:
		g.errors.Add(1)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	g.orders.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{
		"order": orderID,
		"hold":  res.HoldID,
		"total": fmt.Sprintf("%.2f", p.Price*float64(in.Qty)),
	})
}
