package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

type api struct {
	relay  *Relay
	topics map[string]bool
	mux    *http.ServeMux
}

func newAPI(r *Relay, topics []string) *api {
	a := &api{relay: r, topics: make(map[string]bool), mux: http.NewServeMux()}
	for _, t := range topics {
		a.topics[t] = true
	}
	a.mux.HandleFunc("/v1/subscribe", a.handleSubscribe)
	a.mux.HandleFunc("/v1/poll", a.handlePoll)
	a.mux.HandleFunc("/v1/unsubscribe", a.handleUnsubscribe)
	a.mux.HandleFunc("/v1/stream", a.handleStream)
	a.mux.HandleFunc("/v1/stats", a.handleStats)
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type polledFrame struct {
	Seq  uint32          `json:"seq"`
	Data json.RawMessage `json:"data"`
}

func (a *api) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	topic := r.FormValue("topic")
	if !a.topics[topic] {
		http.Error(w, "unknown topic", http.StatusNotFound)
		return
	}
	sub, err := a.relay.Subscribe(r.Context(), topic)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, map[string]interface{}{"id": sub.id, "topic": topic})
}

func (a *api) subFromRequest(w http.ResponseWriter, r *http.Request) *subscription {
	id, err := strconv.ParseUint(r.FormValue("id"), 10, 32)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return nil
	}
	sub := a.relay.lookup(uint32(id))
	if sub == nil {
		http.Error(w, errUnknownSubscription.Error(), http.StatusGone)
		return nil
	}
	return sub
}

// handlePoll long-polls for up to wait (default 1 s) and returns whatever
// frames are buffered for the subscription.
func (a *api) handlePoll(w http.ResponseWriter, r *http.Request) {
	sub := a.subFromRequest(w, r)
	if sub == nil {
		return
	}
	sub.touch()
	wait := time.Second
	if d, err := time.ParseDuration(r.FormValue("wait")); err == nil && d > 0 && d <= 10*time.Second {
		wait = d
	}
	out := make([]polledFrame, 0, 8)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case f := <-sub.frames:
		out = append(out, polledFrame{Seq: f.seq, Data: f.payload})
	case <-timer.C:
	case <-r.Context().Done():
		return
	}
drain:
	for len(out) < 64 {
		select {
		case f := <-sub.frames:
			out = append(out, polledFrame{Seq: f.seq, Data: f.payload})
		default:
			break drain
		}
	}
	writeJSON(w, out)
}

func (a *api) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	sub := a.subFromRequest(w, r)
	if sub == nil {
		return
	}
	if err := a.relay.Unsubscribe(sub.id); err != nil {
		http.Error(w, err.Error(), http.StatusGone)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleStream subscribes and streams frames as newline-delimited JSON
// until max frames were sent (if max > 0) or the client goes away.
func (a *api) handleStream(w http.ResponseWriter, r *http.Request) {
	topic := r.FormValue("topic")
	if !a.topics[topic] {
		http.Error(w, "unknown topic", http.StatusNotFound)
		return
	}
	max, _ := strconv.Atoi(r.FormValue("max"))
	flusher, _ := w.(http.Flusher)

	ctx := r.Context()
	sub, err := a.relay.Subscribe(ctx, topic)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	atomic.StoreInt32(&sub.streaming, 1)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}

	sent := 0
	for {
		select {
		case f := <-sub.frames:
			sub.touch()
			if _, err := fmt.Fprintf(w, "{\"seq\":%d,\"data\":%s}\n", f.seq, f.payload); err != nil {
				a.relay.Unsubscribe(sub.id)
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			sent++
			if max > 0 && sent >= max {
				a.relay.Unsubscribe(sub.id)
				return
			}
		case <-ctx.Done():
			// Client went away: take the subscription out of the routing
			// table so the reader stops forwarding frames to it.
			a.relay.dropSub(sub.id)
			return
		}
	}
}

func (a *api) handleStats(w http.ResponseWriter, r *http.Request) {
	st := &a.relay.stats
	writeJSON(w, map[string]int64{
		"active":        int64(a.relay.activeSubs()),
		"subscribed":    atomic.LoadInt64(&st.subscribed),
		"released":      atomic.LoadInt64(&st.released),
		"frames":        atomic.LoadInt64(&st.frames),
		"heartbeats":    atomic.LoadInt64(&st.heartbeats),
		"orphan_frames": atomic.LoadInt64(&st.orphanFrames),
		"dropped":       atomic.LoadInt64(&st.dropped),
	})
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
