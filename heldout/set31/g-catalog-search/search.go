package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

type searchService struct {
	idx     *Index
	timeout time.Duration

	requests    int64
	partial     int64
	shardErrors int64
}

type shardResult struct {
	shard int
	hits  []Hit
	err   error
	took  time.Duration
}

type searchResponse struct {
	Query   string `json:"query"`
	Hits    []Hit  `json:"hits"`
	Shards  int    `json:"shards"`
	Replied int    `json:"replied"`
	Partial bool   `json:"partial"`
	TookMS  int64  `json:"took_ms"`
}

func (s *searchService) handleSearch(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.requests, 1)
	start := time.Now()
	q := r.URL.Query().Get("q")
	terms := strings.Fields(strings.ToLower(q))
	if len(terms) == 0 {
		http.Error(w, "missing q", http.StatusBadRequest)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()

	shards := s.idx.Shards()
	// Buffered to the number of shards: a shard that answers after we have
	// given up still completes its send and exits.
	results := make(chan shardResult, len(shards))
	for _, sh := range shards {
		go s.queryShard(ctx, sh, terms, results)
	}

	resp := searchResponse{Query: q, Shards: len(shards)}
	var merged []Hit
gather:
	for resp.Replied < len(shards) {
		select {
		case res := <-results:
			resp.Replied++
			if res.err != nil {
				atomic.AddInt64(&s.shardErrors, 1)
				continue
			}
			merged = append(merged, res.hits...)
		case <-ctx.Done():
			resp.Partial = true
			atomic.AddInt64(&s.partial, 1)
			break gather
		}
	}

	sort.Slice(merged, func(i, j int) bool { return merged[i].Score > merged[j].Score })
	if len(merged) > 20 {
		merged = merged[:20]
	}
	resp.Hits = merged
	resp.TookMS = time.Since(start).Milliseconds()
	writeJSON(w, resp)
}

func (s *searchService) queryShard(ctx context.Context, sh *Shard, terms []string, out chan<- shardResult) {
	start := time.Now()
	hits, err := sh.Search(ctx, terms, 20)
	out <- shardResult{shard: sh.id, hits: hits, err: err, took: time.Since(start)}
}

type searchStats struct {
	Requests    int64 `json:"requests"`
	Partial     int64 `json:"partial"`
	ShardErrors int64 `json:"shard_errors"`
}

func (s *searchService) snapshot() searchStats {
	return searchStats{
		Requests:    atomic.LoadInt64(&s.requests),
		Partial:     atomic.LoadInt64(&s.partial),
		ShardErrors: atomic.LoadInt64(&s.shardErrors),
	}
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
