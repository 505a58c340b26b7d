package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// adminAPI takes configuration changes from operators:
//
//	POST /v1/tenants/<name>/changes?n=K   record K changes, nudge the worker
//	GET  /v1/tenants/<name>               local shard versions
//	GET  /healthz
type adminAPI struct {
	cp     *cpClient
	roster *tenantRoster
	store  *configStore
	stats  *stats
}

func (a *adminAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/tenants/", a.tenant)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	return mux
}

func (a *adminAPI) tenant(w http.ResponseWriter, r *http.Request) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1/tenants/"), "/")
	parts := strings.Split(rest, "/")
	name := parts[0]
	worker := a.roster.lookup(name)
	if worker == nil {
		http.Error(w, "no such tenant", http.StatusNotFound)
		return
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.store.versions(name))
	case len(parts) == 2 && parts[1] == "changes" && r.Method == http.MethodPost:
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n <= 0 {
			n = 1
		}
		ctx, cancel := context.WithTimeout(r.Context(), 1500*time.Millisecond)
		defer cancel()
		v, err := a.cp.call(ctx, "BUMP %s %d", name, n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		worker.nudge()
		a.stats.changes.Add(int64(n))
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(v + "\n"))
	default:
		http.Error(w, "bad request", http.StatusBadRequest)
	}
}
