package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type api struct {
	hub     *hub
	maxWait time.Duration
	mux     *http.ServeMux
}

func newAPI(h *hub, maxWait time.Duration) *api {
	a := &api{hub: h, maxWait: maxWait, mux: http.NewServeMux()}
	a.mux.HandleFunc("/v1/publish", a.handlePublish)
	a.mux.HandleFunc("/v1/events", a.handleEvents)
	a.mux.HandleFunc("/v1/hooks", a.handleHooks)
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type publishRequest struct {
	Topic string `json:"topic"`
	Kind  string `json:"kind"`
	Body  string `json:"body"`
}

func (a *api) handlePublish(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req publishRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Topic == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ev := a.hub.publish(req.Topic, req.Kind, req.Body)
	writeJSON(w, http.StatusAccepted, map[string]uint64{"seq": ev.Seq})
}

type pollResponse struct {
	Events []Event `json:"events"`
	Next   uint64  `json:"next"`
}

// handleEvents is the long-poll: GET /v1/events?topic=T&after=N&wait=90s.
// Without after, the poll starts at the topic's current head. The wait is
// the request's deadline; when it runs out the answer is 204 with the
// cursor to continue from.
func (a *api) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("topic")
	if name == "" {
		http.Error(w, "topic required", http.StatusBadRequest)
		return
	}
	t := a.hub.topic(name)
	cursor := t.head()
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			http.Error(w, "bad cursor", http.StatusBadRequest)
			return
		}
		cursor = n
	}
	wait := a.pollWait(q.Get("wait"))

	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	evs, err := t.await(ctx, cursor, 32)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, pollResponse{Events: evs, Next: evs[len(evs)-1].Seq})
	case errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("X-Next", strconv.FormatUint(cursor, 10))
		w.WriteHeader(http.StatusNoContent)
	default:
		// the client went away; nobody to answer
	}
}

func (a *api) pollWait(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 30 * time.Second
	}
	if d > a.maxWait {
		d = a.maxWait
	}
	return d
}

// handleHooks registers (POST ?prefix=P&url=U) or removes (DELETE ?id=I)
// a webhook.
func (a *api) handleHooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodPost:
		prefix, target := q.Get("prefix"), q.Get("url")
		if prefix == "" || !strings.HasPrefix(target, "http://") {
			http.Error(w, "prefix and url required", http.StatusBadRequest)
			return
		}
		id := a.hub.hooks.add(prefix, target)
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	case http.MethodDelete:
		if !a.hub.hooks.remove(q.Get("id")) {
			http.Error(w, "no such hook", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
