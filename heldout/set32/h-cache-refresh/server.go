package main

import (
	"context"
	"encoding/json"
	"io"
	"io/ioutil"
	"net/http"
	"strings"
	"time"
)

const (
	productKeys = 80
	profileKeys = 200
	docKeys     = 40
)

// cacheServer is the HTTP front of the cache.
type cacheServer struct {
	cache         *refreshCache
	timeout       time.Duration
	multiDeadline time.Duration
}

func (s *cacheServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/get", s.handleGet)
	mux.HandleFunc("/mget", s.handleMulti)
	mux.HandleFunc("/put", s.handlePut)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	return mux
}

func (s *cacheServer) handleGet(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	if key == "" {
		http.Error(w, "missing key", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	it, err := s.cache.Get(ctx, key)
	if err == errNotFound {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, it)
}

type keyResult struct {
	key string
	it  item
	err error
}

// handleMulti reads several keys in parallel and answers with whatever
// arrived before the deadline; the rest are reported as missing.
func (s *cacheServer) handleMulti(w http.ResponseWriter, r *http.Request) {
	keys := strings.Split(r.URL.Query().Get("keys"), ",")
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	results := make(chan keyResult, len(keys))
	for _, k := range keys {
		go s.fetchOne(ctx, k, results)
	}
	deadline := time.NewTimer(s.multiDeadline)
	defer deadline.Stop()
	out := map[string]interface{}{}
	var missing []string
	got := 0
collect:
	for got < len(keys) {
		select {
		case res := <-results:
			got++
			if res.err != nil {
				missing = append(missing, res.key)
				continue
			}
			out[res.key] = res.it
		case <-deadline.C:
			break collect
		}
	}
	if got < len(keys) {
		for _, k := range keys {
			if _, ok := out[k]; !ok {
				missing = append(missing, k)
			}
		}
	}
	writeJSON(w, map[string]interface{}{"items": out, "missing": missing})
}

func (s *cacheServer) fetchOne(ctx context.Context, key string, results chan<- keyResult) {
	it, err := s.cache.Get(ctx, key)
	results <- keyResult{key: key, it: it, err: err}
}

func (s *cacheServer) handlePut(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := r.URL.Query().Get("key")
	body, err := ioutil.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil || key == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	it, err := s.cache.Put(ctx, key, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, it)
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
