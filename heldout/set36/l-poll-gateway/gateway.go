package main

import (
	"context"
	"encoding/json"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type gatewayConfig struct {
	maxWaiting int           // long polls held open at once
	maxWait    time.Duration // longest wait a client may ask for
	linger     time.Duration // how long to gather more news after the first
}

type gateway struct {
	hub    *hub
	leases *leaseTable
	cfg    gatewayConfig
	slots  chan struct{}

	polls, answered, timedOut, rejected, published int64
}

func newGateway(h *hub, cfg gatewayConfig) *gateway {
	return &gateway{hub: h, leases: newLeaseTable(), cfg: cfg, slots: make(chan struct{}, cfg.maxWaiting)}
}

func (g *gateway) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/sessions", g.handleSession)
	mux.HandleFunc("/v1/poll", g.handlePoll)
	mux.HandleFunc("/v1/publish", g.handlePublish)
	return mux
}

type sessionGrant struct {
	ID        string `json:"id"`
	ExpiresIn int64  `json:"expires_in_ms"`
}

func (g *gateway) handleSession(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		want, _ := strconv.Atoi(r.URL.Query().Get("ttl_s"))
		ttl := time.Duration(want) * time.Second
		if ttl < 30*time.Second || ttl > 4*time.Minute {
			ttl = 2 * time.Minute
		}
		id := g.leases.grant(ttl)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(sessionGrant{ID: id, ExpiresIn: ttl.Milliseconds()})
	case http.MethodDelete:
		g.leases.drop(r.URL.Query().Get("id"))
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (g *gateway) handlePublish(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := r.URL.Query().Get("topic")
	if name == "" {
		http.Error(w, "topic required", http.StatusBadRequest)
		return
	}
	body, err := ioutil.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	seq := g.hub.topic(name).publish(string(body))
	atomic.AddInt64(&g.published, 1)
	w.Header().Set("X-Seq", strconv.FormatUint(seq, 10))
	w.WriteHeader(http.StatusNoContent)
}

type pollResult struct {
	Events   []event           `json:"events"`
	Cursors  map[string]uint64 `json:"cursors"`
	TimedOut bool              `json:"timed_out"`
}

type topicBatch struct {
	topic  string
	events []event
}

// pollRequest is one long poll over a group of topics.
type pollRequest struct {
	hub     *hub
	session string
	topics  []string
	cursors map[string]uint64
	linger  time.Duration
}

func parseCursors(s string) map[string]uint64 {
	out := map[string]uint64{}
	for _, kv := range strings.Split(s, ",") {
		i := strings.LastIndexByte(kv, ':')
		if i <= 0 {
			continue
		}
		if n, err := strconv.ParseUint(kv[i+1:], 10, 64); err == nil {
			out[kv[:i]] = n
		}
	}
	return out
}

func (g *gateway) handlePoll(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sess := q.Get("session")
	if !g.leases.valid(sess) {
		http.Error(w, "session expired", http.StatusUnauthorized)
		return
	}
	topics := strings.Split(q.Get("topics"), ",")
	if len(topics) == 0 || topics[0] == "" || len(topics) > 8 {
		http.Error(w, "1 to 8 topics", http.StatusBadRequest)
		return
	}
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 || wait > g.cfg.maxWait {
		wait = g.cfg.maxWait
	}
	select {
	case g.slots <- struct{}{}:
		defer func() { <-g.slots }()
	default:
		atomic.AddInt64(&g.rejected, 1)
		w.Header().Set("Retry-After", strconv.Itoa(3+randIntn(6)))
		http.Error(w, "too many waiting polls", http.StatusTooManyRequests)
		return
	}
	atomic.AddInt64(&g.polls, 1)

	pr := &pollRequest{hub: g.hub, session: sess, topics: topics, cursors: parseCursors(q.Get("cursor")), linger: g.cfg.linger}
	res := pr.gather(r.Context(), newDeadline(wait))
	if res.TimedOut {
		atomic.AddInt64(&g.timedOut, 1)
	} else {
		atomic.AddInt64(&g.answered, 1)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

// gather starts one watcher per topic and answers with whatever news
// arrives first (plus anything that follows within the linger window), or
// empty-handed when the deadline passes. It always waits for its watchers
// to leave before returning.
func (pr *pollRequest) gather(ctx context.Context, dl *deadline) pollResult {
	defer dl.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	found := make(chan topicBatch, len(pr.topics))
	var wg sync.WaitGroup
	for _, name := range pr.topics {
		wg.Add(1)
		go func(t *topic, from uint64) {
			defer wg.Done()
			pr.watchTopic(ctx, t, from, found)
		}(pr.hub.topic(name), pr.cursors[name])
	}

	res := pollResult{Cursors: map[string]uint64{}}
	for k, v := range pr.cursors {
		res.Cursors[k] = v
	}
	add := func(b topicBatch) {
		res.Events = append(res.Events, b.events...)
		res.Cursors[b.topic] = b.events[len(b.events)-1].Seq
	}

	select {
	case b := <-found:
		add(b)
		got := 1
		linger := after(pr.linger)
	gathering:
		for got < len(pr.topics) {
			select {
			case b := <-found:
				add(b)
				got++
			case <-linger:
				break gathering
			}
		}
	case <-dl.Done():
		res.TimedOut = true
	case <-ctx.Done():
	}

	cancel()
	wg.Wait()
	for {
		select {
		case b := <-found:
			add(b)
			res.TimedOut = false
		default:
			return res
		}
	}
}

// watchTopic waits until the topic has events past the cursor and reports
// them on found, which has room for every watcher of the poll.
func (pr *pollRequest) watchTopic(ctx context.Context, t *topic, from uint64, found chan<- topicBatch) {
	for {
		evs, wake := t.since(from)
		if len(evs) > 0 {
			found <- topicBatch{topic: t.name, events: evs}
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
	}
}

func (g *gateway) report(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("gateway: waiting=%d/%d polls=%d answered=%d timed_out=%d rejected=%d published=%d leases=%d topics=%d",
				len(g.slots), cap(g.slots), atomic.LoadInt64(&g.polls), atomic.LoadInt64(&g.answered),
				atomic.LoadInt64(&g.timedOut), atomic.LoadInt64(&g.rejected), atomic.LoadInt64(&g.published),
				g.leases.count(), len(g.hub.snapshot()))
		}
	}
}
