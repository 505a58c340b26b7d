package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errWatchTimeout = errors.New("watch: no change before deadline")

// watchAPI serves the key/value store over HTTP:
//
//	GET  /v1/kv/KEY                 current value (X-Revision header)
//	GET  /v1/kv/PREFIX/?list=1      every key under the prefix
//	PUT  /v1/kv/KEY                 set the value (body), wakes watchers
//	GET  /v1/watch/KEY?rev=N&wait=90s[&prefix=1]
//	                                long-poll: answers with the first change
//	                                past revision N, or 204 when wait runs out
type watchAPI struct {
	store       *kvStore
	defaultWait time.Duration
	maxWait     time.Duration
	shedRate    float64 // fraction of watches refused by the overload guard

	waiting   int64 // long-polls currently parked (atomic)
	timeouts  int64
	delivered int64
	gone      int64

	rndMu sync.Mutex
	rnd   *rand.Rand
}

func newWatchAPI(store *kvStore) *watchAPI {
	return &watchAPI{
		store:       store,
		defaultWait: 60 * time.Second,
		maxWait:     180 * time.Second,
		shedRate:    0.015,
		rnd:         rand.New(rand.NewSource(time.Now().UnixNano())),
	}
}

func (a *watchAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/kv/", a.handleKV)
	mux.HandleFunc("/v1/watch/", a.handleWatch)
	mux.HandleFunc("/v1/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Revision", strconv.FormatInt(a.store.Revision(), 10))
		io.WriteString(w, "ok\n")
	})
	return mux
}

func (a *watchAPI) handleKV(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/v1/kv/")
	if key == "" {
		http.Error(w, "missing key", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		if r.URL.Query().Get("list") != "" {
			w.Header().Set("X-Revision", strconv.FormatInt(a.store.Revision(), 10))
			writeJSON(w, http.StatusOK, a.store.List(key))
			return
		}
		ev, ok := a.store.Get(key)
		w.Header().Set("X-Revision", strconv.FormatInt(ev.Rev, 10))
		if !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, ev)
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev := a.store.Put(key, string(body))
		writeJSON(w, http.StatusOK, ev)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (a *watchAPI) handleWatch(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/v1/watch/")
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("rev"), 10, 64)
	prefix := q.Get("prefix") == "1"
	wait := a.clampWait(q.Get("wait"))

	if a.shouldShed() {
		w.Header().Set("Retry-After", "20")
		http.Error(w, "too many watchers, retry later", http.StatusServiceUnavailable)
		return
	}

	wt, ev := a.store.Watch(key, prefix, after)
	if ev != nil {
		atomic.AddInt64(&a.delivered, 1)
		writeJSON(w, http.StatusOK, ev)
		return
	}
	defer a.store.Cancel(wt)

	dl := newWatchDeadline(wait)
	defer dl.release()

	atomic.AddInt64(&a.waiting, 1)
	got, err := a.awaitChange(r.Context(), wt, dl)
	atomic.AddInt64(&a.waiting, -1)

	switch {
	case err == nil:
		atomic.AddInt64(&a.delivered, 1)
		writeJSON(w, http.StatusOK, got)
	case errors.Is(err, errWatchTimeout):
		atomic.AddInt64(&a.timeouts, 1)
		w.Header().Set("X-Revision", strconv.FormatInt(a.store.Revision(), 10))
		w.WriteHeader(http.StatusNoContent)
	default:
		// The client hung up; nobody is there to answer.
		atomic.AddInt64(&a.gone, 1)
	}
}

// awaitChange parks the request until the watcher fires, the watch
// deadline passes or the client goes away.
func (a *watchAPI) awaitChange(ctx context.Context, wt *watcher, dl *watchDeadline) (Event, error) {
	select {
	case ev := <-wt.ch:
		return ev, nil
	case <-dl.C():
		return Event{}, errWatchTimeout
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

func (a *watchAPI) clampWait(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return a.defaultWait
	}
	if d > a.maxWait {
		return a.maxWait
	}
	return d
}

func (a *watchAPI) shouldShed() bool {
	a.rndMu.Lock()
	defer a.rndMu.Unlock()
	return a.rnd.Float64() < a.shedRate
}

// watchDeadline is the server-side end of a long-poll. A little jitter
// keeps clients that started together from all coming back at once.
type watchDeadline struct {
	t  *time.Timer
	at time.Time
}

func newWatchDeadline(wait time.Duration) *watchDeadline {
	jitter := time.Duration(rand.Int63n(int64(wait/20) + 1))
	d := wait - jitter
	return &watchDeadline{t: time.NewTimer(d), at: time.Now().Add(d)}
}

func (d *watchDeadline) C() <-chan time.Time { return d.t.C }

func (d *watchDeadline) release() { d.t.Stop() }

type apiStats struct{ waiting, timeouts, delivered, gone int64 }

func (a *watchAPI) stats() apiStats {
	return apiStats{
		waiting:   atomic.LoadInt64(&a.waiting),
		timeouts:  atomic.LoadInt64(&a.timeouts),
		delivered: atomic.LoadInt64(&a.delivered),
		gone:      atomic.LoadInt64(&a.gone),
	}
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
