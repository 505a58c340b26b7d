package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// resolverAPI is the HTTP front of the cache:
//
//	GET /resolve?name=N[&timeout=D]          answer or 504 when the wait times out
//	GET /watch?name=N&addr=A[&timeout=D]     long-poll until N no longer resolves to A
//	GET /stats
type resolverAPI struct {
	cache          *Cache
	defaultTimeout time.Duration
	maxWatch       time.Duration
}

type resolveReply struct {
	Name    string `json:"name"`
	Addr    string `json:"addr,omitempty"`
	NX      bool   `json:"nxdomain,omitempty"`
	TTL     int    `json:"ttl"`
	Serial  int    `json:"serial"`
	Changed bool   `json:"changed,omitempty"`
}

func (a *resolverAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/resolve", a.handleResolve)
	mux.HandleFunc("/watch", a.handleWatch)
	mux.HandleFunc("/stats", a.handleStats)
	return mux
}

func (a *resolverAPI) handleResolve(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(r.FormValue("name"))
	if name == "" {
		http.Error(w, "name required", http.StatusBadRequest)
		return
	}
	timeout := durationParam(r, "timeout", a.defaultTimeout, 100*time.Millisecond, 10*time.Second)
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()

	ans, err := a.cache.Lookup(ctx, name)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			http.Error(w, "resolver timeout", http.StatusGatewayTimeout)
			return
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeAnswer(w, ans, false)
}

func (a *resolverAPI) handleWatch(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(r.FormValue("name"))
	if name == "" {
		http.Error(w, "name required", http.StatusBadRequest)
		return
	}
	wait := durationParam(r, "timeout", 90*time.Second, time.Second, a.maxWatch)
	expiry := time.NewTimer(wait)
	defer expiry.Stop()

	ans, changed, err := a.cache.awaitChange(r.Context(), name, r.FormValue("addr"), expiry.C)
	if err != nil {
		if r.Context().Err() != nil {
			return // client went away
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeAnswer(w, ans, changed)
}

func (a *resolverAPI) handleStats(w http.ResponseWriter, r *http.Request) {
	st := a.cache.snapshot()
	json.NewEncoder(w).Encode(map[string]int64{
		"entries":    int64(a.cache.size()),
		"hits":       st.hits,
		"stale":      st.stale,
		"misses":     st.misses,
		"coalesced":  st.coalesced,
		"gave_up":    st.gaveUp,
		"flights":    st.flights,
		"refreshers": st.refreshers,
		"watchers":   st.watchers,
	})
}

func writeAnswer(w http.ResponseWriter, ans answer, changed bool) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resolveReply{
		Name:    ans.Name,
		Addr:    ans.Addr,
		NX:      ans.negative(),
		TTL:     int(time.Until(ans.expires()).Seconds()),
		Serial:  ans.Serial,
		Changed: changed,
	})
}

func durationParam(r *http.Request, key string, def, min, max time.Duration) time.Duration {
	d := def
	if v := r.FormValue(key); v != "" {
		if p, err := time.ParseDuration(v); err == nil {
			d = p
		}
	}
	if d < min {
		d = min
	}
	if d > max {
		d = max
	}
	return d
}
