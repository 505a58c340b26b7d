package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type history struct {
	mu   sync.Mutex
	ring []alert
	max  int
}

func newHistory(max int) *history { return &history{max: max} }

func (h *history) add(a alert) {
	h.mu.Lock()
	h.ring = append(h.ring, a)
	if len(h.ring) > h.max {
		h.ring = h.ring[len(h.ring)-h.max:]
	}
	h.mu.Unlock()
}

func (h *history) recent(ts []string, n int) []alert {
	want := map[string]bool{}
	for _, t := range ts {
		want[t] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []alert
	for i := len(h.ring) - 1; i >= 0 && len(out) < n; i-- {
		if want[h.ring[i].topic] {
			out = append(out, h.ring[i])
		}
	}
	return out
}

// router takes ingested alerts off a queue and fans them out to the
// streams subscribed to their topic.
type router struct {
	st      *streamServer
	hist    *history
	in      chan alert
	workers int
	nextID  atomic.Int64

	routed, dropped atomic.Int64
}

func newRouter(st *streamServer, h *history, workers int) *router {
	return &router{st: st, hist: h, in: make(chan alert, 256), workers: workers}
}

func (r *router) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < r.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case a := <-r.in:
					r.hist.add(a)
					for _, s := range r.st.subscribers(a.topic) {
						if s.offer(a.line()) {
							r.routed.Add(1)
						} else {
							r.dropped.Add(1)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (r *router) submit(ctx context.Context, a alert) error {
	a.id = r.nextID.Add(1)
	select {
	case r.in <- a:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Second):
		return fmt.Errorf("router queue full")
	}
}

type ingestBody struct {
	Source   string `json:"source"`
	Topic    string `json:"topic"`
	Severity string `json:"severity"`
	Text     string `json:"text"`
}

func startIngest(ctx context.Context, r *router) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/alerts", func(w http.ResponseWriter, req *http.Request) {
		var b ingestBody
		if err := json.NewDecoder(io.LimitReader(req.Body, 1<<16)).Decode(&b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := r.submit(req.Context(), alert{topic: b.Topic, severity: b.Severity, text: b.Text, at: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Handler: mux, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: 40 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// alertSource is an in-process alert manager posting to the ingest API.
type alertSource struct {
	name, topic, url string
	every            time.Duration
}

var severities = []string{"info", "info", "warn", "warn", "crit"}

func (s *alertSource) run(ctx context.Context) {
	client := &http.Client{Timeout: 4 * time.Second}
	t := time.NewTicker(s.every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		body, _ := json.Marshal(ingestBody{Source: s.name, Topic: s.topic,
			Severity: severities[rand.Intn(len(severities))], Text: fmt.Sprintf("%s-check-%d_firing", s.topic, n)})
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
