package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strconv"
	"time"
)

// feed produces updates for one topic at its own cadence.
type feed struct {
	topic  string
	every  time.Duration
	spread time.Duration
	seq    int64
}

func (f *feed) nextUpdate() []byte {
	f.seq++
	return []byte(fmt.Sprintf(`{"topic":%q,"seq":%d,"v":%d}`, f.topic, f.seq, randIntn(10000)))
}

func (f *feed) run(ctx context.Context, h *hub) {
	t := time.NewTimer(jitter(f.every, f.spread))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.broadcast(f.topic, f.nextUpdate())
			t.Reset(jitter(f.every, f.spread))
		}
	}
}

// presenceLoop tells everybody how many people are online.
func presenceLoop(ctx context.Context, h *hub, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-tick.C:
			h.broadcast("presence", []byte("online "+strconv.Itoa(h.online())))
		case <-ctx.Done():
		}
	}
}

type api struct {
	hub *hub
}

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", a.hub.handleWS)
	mux.HandleFunc("/publish", a.handlePublish)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a.hub.stats())
	})
	return mux
}

// handlePublish lets upstream services push a message to a topic.
func (a *api) handlePublish(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	topic := r.URL.Query().Get("topic")
	body, err := ioutil.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil || topic == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	n := a.hub.broadcast(topic, body)
	fmt.Fprintf(w, "%d\n", n)
}

func itoa(n int) string { return strconv.Itoa(n) }
