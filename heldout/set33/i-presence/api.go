package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

type presenceAPI struct {
	reg         *registry
	gw          *gateway
	defaultWait time.Duration
	maxWait     time.Duration
}

func (a *presenceAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/presence", a.handleGet)
	mux.HandleFunc("/v1/watch", a.handleWatch)
	mux.HandleFunc("/v1/online", a.handleOnline)
	return mux
}

func (a *presenceAPI) handleGet(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		http.Error(w, "missing user", http.StatusBadRequest)
		return
	}
	v, _ := a.reg.lookup(user)
	writeJSON(w, http.StatusOK, v)
}

// handleWatch is a long-poll: it answers as soon as the user's presence is
// newer than ?since=, or with 304 when ?wait= (default 90 s) runs out.
func (a *presenceAPI) handleWatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user := q.Get("user")
	if user == "" {
		http.Error(w, "missing user", http.StatusBadRequest)
		return
	}
	since, _ := strconv.ParseUint(q.Get("since"), 10, 64)
	wait := a.defaultWait
	if s := q.Get("wait"); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			wait = d
		}
	}
	if wait > a.maxWait {
		wait = a.maxWait
	}

	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	v, changed := a.reg.awaitChange(ctx, user, since)
	if !changed {
		w.Header().Set("X-Presence-Version", strconv.FormatUint(v.Version, 10))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *presenceAPI) handleOnline(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	list := a.reg.list(status)
	resp := struct {
		Count    int            `json:"count"`
		Sessions int            `json:"sessions"`
		Users    []presenceView `json:"users"`
	}{Count: len(list), Sessions: a.gw.stats().Open, Users: list}
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
