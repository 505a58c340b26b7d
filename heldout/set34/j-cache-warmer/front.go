package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// frontAPI is what the storefront renderers call: cached product JSON, read
// through to the origin on a miss with a tighter, interactive timeout.
type frontAPI struct {
	w *warmer
}

func (a *frontAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/item/", a.handleItem)
	return mux
}

func (a *frontAPI) handleItem(rw http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/v1/item/")
	if val, ok := a.w.cache.get(key); ok {
		rw.Header().Set("X-Cache", "hit")
		rw.Header().Set("Content-Type", "application/json")
		rw.Write(val)
		return
	}
	val, err := a.w.load(r.Context(), key, 1500*time.Millisecond)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		http.Error(rw, "origin timeout", http.StatusGatewayTimeout)
		return
	case err != nil:
		http.Error(rw, err.Error(), http.StatusBadGateway)
		return
	}
	rw.Header().Set("X-Cache", "miss")
	rw.Header().Set("Content-Type", "application/json")
	rw.Write(val)
}
