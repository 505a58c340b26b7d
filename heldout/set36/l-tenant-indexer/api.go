package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// indexer owns the tenants' indexes and serves the HTTP API:
//
//	POST /admin/tenants?name=N&shards=S   create a tenant index
//	POST /t/N/docs                        ingest a batch, returns its seq
//	GET  /t/N/refresh?seq=Q&wait=MS       wait until seq Q is searchable
//	GET  /t/N/changes?after=C&wait=MS     long-poll for the next commit
//	GET  /t/N/search?q=TERM
//	POST /t/N/merge                       start a merge job
//	GET  /jobs/ID?wait=MS                 job status, long-polled
type indexer struct {
	ctx   context.Context
	blobs *blobClient
	stats *indexStats
	jobs  *jobRegistry

	mu      sync.RWMutex
	tenants map[string]*tenantIndex
}

func newIndexer(ctx context.Context, blobs *blobClient, st *indexStats) *indexer {
	return &indexer{ctx: ctx, blobs: blobs, stats: st, jobs: newJobRegistry(), tenants: make(map[string]*tenantIndex)}
}

func (ix *indexer) addTenant(name string, shards int) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.tenants[name]; ok {
		return false
	}
	ti := newTenantIndex(name, shards, ix.blobs, ix.stats)
	ix.tenants[name] = ti
	go ti.run(ix.ctx)
	return true
}

func (ix *indexer) tenant(name string) *tenantIndex {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.tenants[name]
}

func waitParam(r *http.Request, def, max time.Duration) time.Duration {
	ms, err := strconv.Atoi(r.URL.Query().Get("wait"))
	if err != nil {
		return def
	}
	d := time.Duration(ms) * time.Millisecond
	if d > max {
		d = max
	}
	return d
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (ix *indexer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "admin" && parts[1] == "tenants" && r.Method == http.MethodPost:
		shards, _ := strconv.Atoi(r.URL.Query().Get("shards"))
		if shards <= 0 {
			shards = 4
		}
		if !ix.addTenant(r.URL.Query().Get("name"), shards) {
			http.Error(w, "exists", http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusCreated)
	case len(parts) == 2 && parts[0] == "jobs":
		ix.handleJob(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "t":
		ti := ix.tenant(parts[1])
		if ti == nil {
			http.NotFound(w, r)
			return
		}
		switch parts[2] {
		case "docs":
			ix.handleIngest(w, r, ti)
		case "refresh":
			seq, _ := strconv.ParseUint(r.URL.Query().Get("seq"), 10, 64)
			ix.handleAwait(w, r, ti, seq)
		case "changes":
			after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
			ix.handleAwait(w, r, ti, after+1)
		case "search":
			writeJSON(w, http.StatusOK, map[string]int{"hits": ti.search(r.URL.Query().Get("q"))})
		case "merge":
			j := ix.jobs.start(ix.ctx, ti)
			writeJSON(w, http.StatusAccepted, map[string]string{"job": j.id})
		default:
			http.NotFound(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

func (ix *indexer) handleIngest(w http.ResponseWriter, r *http.Request, ti *tenantIndex) {
	var docs []doc
	if err := json.NewDecoder(r.Body).Decode(&docs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	seq, err := ti.enqueue(ctx, docs)
	if err != nil {
		addStat(&ix.stats.ingestRejected)
		http.Error(w, "index busy", http.StatusServiceUnavailable)
		return
	}
	addStat(&ix.stats.ingested)
	writeJSON(w, http.StatusOK, map[string]uint64{"seq": seq})
}

func (ix *indexer) handleAwait(w http.ResponseWriter, r *http.Request, ti *tenantIndex, seq uint64) {
	committed, ok := ti.awaitCommitted(r.Context(), seq, waitParam(r, 10*time.Second, 90*time.Second))
	addStat(&ix.stats.refreshes)
	code := http.StatusOK
	if !ok {
		code = http.StatusAccepted
	}
	writeJSON(w, code, map[string]uint64{"committed": committed})
}

func (ix *indexer) handleJob(w http.ResponseWriter, r *http.Request, id string) {
	j := ix.jobs.get(id)
	if j == nil {
		http.NotFound(w, r)
		return
	}
	select {
	case <-j.done:
	case <-after(waitParam(r, 0, 30*time.Second)):
	case <-r.Context().Done():
		return
	}
	writeJSON(w, http.StatusOK, j.status())
}
