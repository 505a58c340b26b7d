package main

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

type apiServer struct {
	reg        *registry
	planner    *queryPlanner
	ingestWait time.Duration

	accepted int64
	shed     int64
	queries  int64
	partial  int64
}

func (s *apiServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ingest", s.handleIngest)
	mux.HandleFunc("/query", s.handleQuery)
	mux.HandleFunc("/report", s.handleReport)
	mux.HandleFunc("/tenants", s.handleSignUp)
	return mux
}

func (s *apiServer) handleSignUp(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		http.Error(w, "missing name", http.StatusBadRequest)
		return
	}
	plan := r.URL.Query().Get("plan")
	if plan == "" {
		plan = planFor(name)
	}
	if _, created := s.reg.SignUp(name, plan); !created {
		http.Error(w, "tenant exists", http.StatusConflict)
		return
	}
	log.Printf("api: tenant %s signed up (%s)", name, plan)
	w.WriteHeader(http.StatusCreated)
}

func (s *apiServer) handleIngest(w http.ResponseWriter, r *http.Request) {
	a := s.reg.Get(r.URL.Query().Get("tenant"))
	if a == nil {
		http.Error(w, "unknown tenant", http.StatusNotFound)
		return
	}
	var batch []event
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&batch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.ingestWait)
	defer cancel()
	select {
	case a.events <- batch:
		atomic.AddInt64(&s.accepted, 1)
		w.WriteHeader(http.StatusAccepted)
	case <-ctx.Done():
		atomic.AddInt64(&s.shed, 1)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "tenant busy", http.StatusServiceUnavailable)
	}
}

func (s *apiServer) handleQuery(w http.ResponseWriter, r *http.Request) {
	metric := r.URL.Query().Get("metric")
	tenants := s.reg.Select(r.URL.Query().Get("plan"))
	res := s.planner.Query(r.Context(), metric, tenants)
	atomic.AddInt64(&s.queries, 1)
	if len(res.Missing) > 0 {
		atomic.AddInt64(&s.partial, 1)
	}
	writeJSON(w, res)
}

func (s *apiServer) handleReport(w http.ResponseWriter, r *http.Request) {
	metrics := strings.Split(r.URL.Query().Get("metrics"), ",")
	tenants := s.reg.Select(r.URL.Query().Get("plan"))
	res := s.planner.Report(r.Context(), metrics, tenants)
	atomic.AddInt64(&s.queries, int64(len(metrics)))
	writeJSON(w, res)
}

func (s *apiServer) reportLoop(ctx context.Context, every time.Duration, exp *rollupExporter) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("api: tenants=%d exporters=%d accepted=%d shed=%d queries=%d partial=%d shipped=%d failed=%d",
				len(s.reg.Names()), exp.Workers(), atomic.LoadInt64(&s.accepted), atomic.LoadInt64(&s.shed),
				atomic.LoadInt64(&s.queries), atomic.LoadInt64(&s.partial),
				atomic.LoadInt64(&exp.shipped), atomic.LoadInt64(&exp.failed))
		}
	}
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
