package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// api serves the prober's status:
//
//	GET /v1/status                                  all targets
//	GET /v1/wait?target=N&state=S&timeout=SECONDS   long-poll until N leaves S
//	POST /hooks/alerts                              (the in-process alert sink)
type api struct {
	board   *statusBoard
	maxWait time.Duration
}

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/status", a.status)
	mux.HandleFunc("/v1/wait", a.wait)
	mux.HandleFunc("/hooks/alerts", alertSink)
	return mux
}

func (a *api) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a.board.list())
}

func (a *api) wait(w http.ResponseWriter, r *http.Request) {
	name, have := r.FormValue("target"), r.FormValue("state")
	secs, _ := strconv.Atoi(r.FormValue("timeout"))
	d := time.Duration(secs) * time.Second
	if d <= 0 || d > a.maxWait {
		d = a.maxWait
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()

	st, timedOut, err := a.board.waitLeave(ctx, name, have)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if r.Context().Err() != nil {
		return
	}
	if timedOut {
		w.Header().Set("X-Wait-Timeout", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}
