package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

type apiServer struct {
	store  *jobStore
	runner *runner
}

func (a *apiServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/jobs", a.handleSubmit)
	mux.HandleFunc("/v1/jobs/", a.handleStatus)
	mux.HandleFunc("/v1/stats", a.handleStats)
	return mux
}

var budgets = map[string]struct{ def, max time.Duration }{
	"report":     {3 * time.Second, 10 * time.Second},
	"reindex":    {8 * time.Second, 20 * time.Second},
	"compaction": {45 * time.Second, 90 * time.Second},
}

func (a *apiServer) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var spec jobSpec
	if err := json.NewDecoder(r.Body).Decode(&spec); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	b, ok := budgets[spec.Kind]
	if !ok || spec.Tenant == "" || spec.Size <= 0 {
		http.Error(w, "invalid job spec", http.StatusBadRequest)
		return
	}
	if d := time.Duration(spec.BudgetMS) * time.Millisecond; d <= 0 {
		spec.BudgetMS = int(b.def / time.Millisecond)
	} else if d > b.max {
		spec.BudgetMS = int(b.max / time.Millisecond)
	}
	j := a.store.create(spec)
	if err := a.runner.enqueue(j); err != nil {
		a.store.drop(j.ID)
		w.Header().Set("Retry-After", "5")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": j.ID})
}

// handleStatus returns a job's status. With ?wait=DURATION it long-polls:
// it holds the request until the job reaches a terminal state or the wait
// (at most 10 s) is over.
func (a *apiServer) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/jobs/")
	v, ok := a.store.view(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if wait, err := time.ParseDuration(r.URL.Query().Get("wait")); err == nil && wait > 0 && !v.State.terminal() {
		if wait > 10*time.Second {
			wait = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		for ctx.Err() == nil && !v.State.terminal() {
			if sleepCtx(ctx, 250*time.Millisecond) != nil {
				break
			}
			if v, ok = a.store.view(id); !ok {
				http.NotFound(w, r)
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *apiServer) handleStats(w http.ResponseWriter, r *http.Request) {
	short, long := a.runner.workerCounts()
	qs, ql := a.runner.queueDepths()
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"workers": map[string]int{"short": short, "long": long},
		"queued":  map[string]int{"short": qs, "long": ql},
		"jobs":    a.store.counts(),
	})
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
