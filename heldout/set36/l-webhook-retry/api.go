package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ingestAPI accepts events from producers and lets them wait for an
// event's fan-out to finish.
type ingestAPI struct {
	disp *dispatcher
	url  string
	seq  int64
}

func startIngestAPI(ctx context.Context, d *dispatcher) (*ingestAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &ingestAPI{disp: d, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/events", a.handleEvents)
	mux.HandleFunc("/v1/events/wait", a.handleWait)
	mux.HandleFunc("/v1/endpoints", a.handleEndpoints)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("ingest: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return a, nil
}

func (a *ingestAPI) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	var ev event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.Topic == "" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	ev.ID = fmt.Sprintf("evt_%08d", atomic.AddInt64(&a.seq, 1))
	ev.Received = time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := a.disp.Submit(ctx, &ev); err != nil {
		http.Error(w, "queue full", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"id": ev.ID})
}

// waitExpiry is the deadline of a long poll.
type waitExpiry struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newWaitExpiry(parent context.Context, d time.Duration) waitExpiry {
	ctx, cancel := context.WithTimeout(parent, d)
	return waitExpiry{ctx: ctx, cancel: cancel}
}

func (e waitExpiry) Done() <-chan struct{} { return e.ctx.Done() }
func (e waitExpiry) Release()              { e.cancel() }

// handleWait: GET /v1/events/wait?id=X&timeout=60s answers once the event
// has been delivered to all subscribers, or when the timeout runs out.
func (a *ingestAPI) handleWait(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	timeout, err := time.ParseDuration(r.URL.Query().Get("timeout"))
	if err != nil || timeout <= 0 || timeout > 2*time.Minute {
		timeout = 30 * time.Second
	}
	st := a.disp.lookup(id)
	w.Header().Set("Content-Type", "application/json")
	if st == nil {
		json.NewEncoder(w).Encode(map[string]string{"id": id, "state": "settled"})
		return
	}
	exp := newWaitExpiry(r.Context(), timeout)
	defer exp.Release()
	select {
	case <-st.done:
		json.NewEncoder(w).Encode(map[string]interface{}{"id": id, "state": "settled", "outcomes": st.outcomes})
	case <-exp.Done():
		if r.Context().Err() != nil {
			return
		}
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]string{"id": id, "state": "pending"})
	}
}

func (a *ingestAPI) handleEndpoints(w http.ResponseWriter, r *http.Request) {
	type row struct {
		ID        string `json:"id"`
		Delivered int64  `json:"delivered"`
		Failed    int64  `json:"failed"`
		Pending   int    `json:"pending_retries"`
	}
	var rows []row
	for _, ep := range a.disp.registry.snapshot() {
		d, f, p := ep.stats()
		rows = append(rows, row{ep.id, d, f, p})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rows)
}
