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

// uploadAPI is a tus-like HTTP surface:
//
//	POST /v1/uploads?name=N&size=S&chunk=C     create a session
//	HEAD /v1/uploads/ID                        current offset (for resume)
//	PUT  /v1/uploads/ID?offset=O               append one chunk
//	GET  /v1/uploads/ID/events?state=S&wait=D  long-poll until state != S
type uploadAPI struct {
	store       *sessionStore
	overloadPct int
}

const maxEventWait = 150 * time.Second

func (a *uploadAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/uploads", a.handleCreate)
	mux.HandleFunc("/v1/uploads/", a.handleUpload)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	return mux
}

func (a *uploadAPI) handleCreate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	size, err := strconv.ParseInt(q.Get("size"), 10, 64)
	if err != nil || size <= 0 || size > 64<<20 {
		http.Error(w, "bad size", http.StatusBadRequest)
		return
	}
	chunkSize, _ := strconv.Atoi(q.Get("chunk"))
	name := q.Get("name")
	if name == "" {
		name = "unnamed"
	}
	s := a.store.create(name, size, chunkSize)
	w.Header().Set("Location", "/v1/uploads/"+s.ID)
	w.Header().Set("Upload-Expires", s.Expires.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]interface{}{
		"id": s.ID, "chunk_size": s.ChunkSize, "expires": s.Expires.UTC().Format(time.RFC3339),
	})
}

func (a *uploadAPI) handleUpload(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v1/uploads/")
	id, sub := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		id, sub = rest[:i], rest[i+1:]
	}
	s := a.store.get(id)
	if s == nil {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	switch {
	case sub == "" && r.Method == http.MethodHead:
		a.handleOffset(w, s)
	case sub == "" && r.Method == http.MethodPut:
		a.handleChunk(w, r, s)
	case sub == "events" && r.Method == http.MethodGet:
		a.handleEvents(w, r, s)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

func (a *uploadAPI) handleOffset(w http.ResponseWriter, s *uploadSession) {
	st := s.status()
	w.Header().Set("Upload-Offset", strconv.FormatInt(st.Offset, 10))
	w.Header().Set("Upload-State", st.State)
	if st.State == stateExpired.String() || st.State == stateFailed.String() {
		w.WriteHeader(http.StatusGone)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *uploadAPI) handleChunk(w http.ResponseWriter, r *http.Request, s *uploadSession) {
	if a.overloadPct > 0 && randIntn(100) < a.overloadPct {
		w.Header().Set("Retry-After", strconv.Itoa(1+randIntn(4)))
		http.Error(w, "busy, try later", http.StatusServiceUnavailable)
		return
	}
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err != nil {
		http.Error(w, "bad offset", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.ChunkSize)))
	if err != nil {
		http.Error(w, "chunk too large", http.StatusRequestEntityTooLarge)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	res, err := a.store.offer(ctx, s, chunk{offset: offset, data: data, reply: make(chan chunkResult, 1)})
	w.Header().Set("Upload-Offset", strconv.FormatInt(res.offset, 10))
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errGone):
		http.Error(w, err.Error(), http.StatusGone)
	case errors.Is(err, errNotReceiving):
		w.Header().Set("Upload-Offset", strconv.FormatInt(s.Size, 10))
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errOffset):
		http.Error(w, err.Error(), http.StatusConflict)
	case errors.Is(err, context.DeadlineExceeded):
		http.Error(w, "timed out handing chunk to assembler", http.StatusGatewayTimeout)
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

// handleEvents answers when the session leaves the given state, or with
// 204 when the wait runs out.
func (a *uploadAPI) handleEvents(w http.ResponseWriter, r *http.Request, s *uploadSession) {
	q := r.URL.Query()
	from, ok := parseState(q.Get("state"))
	if !ok {
		from = stateActive
	}
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 || wait > maxEventWait {
		wait = maxEventWait
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	st, changed := s.awaitStateChange(ctx, from)
	if !changed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}
