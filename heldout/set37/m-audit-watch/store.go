package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// policyStore is the in-process policy server the watchers follow: a
// versioned key space with blocking queries (?index=N&wait=D returns as
// soon as the key moves past N, or after D with the same index).
type policyStore struct {
	mu      sync.Mutex
	index   uint64
	entries map[string]*entry
	reports int
}

type entry struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Index  uint64 `json:"index"`
	notify chan struct{}
}

func newPolicyStore(keys []string) *policyStore {
	s := &policyStore{entries: make(map[string]*entry)}
	for _, k := range keys {
		s.put(k, "v0")
	}
	return s
}

func (s *policyStore) put(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index++
	e := s.entries[key]
	if e == nil {
		e = &entry{Key: key, notify: make(chan struct{})}
		s.entries[key] = e
	} else {
		close(e.notify)
		e.notify = make(chan struct{})
	}
	e.Value = value
	e.Index = s.index
}

func (s *policyStore) read(key string) (entry, chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		return entry{}, nil, false
	}
	return *e, e.notify, true
}

func (s *policyStore) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/kv/", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path[len("/v1/kv/"):]
		e, notify, ok := s.read(key)
		if !ok {
			http.NotFound(w, r)
			return
		}
		idx, _ := strconv.ParseUint(r.URL.Query().Get("index"), 10, 64)
		if idx > 0 && idx >= e.Index {
			wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
			if err != nil || wait <= 0 {
				wait = 30 * time.Second
			}
			if wait > 80*time.Second {
				wait = 80 * time.Second
			}
			// jitter like the real thing, so a herd of watchers spreads out
			wait += time.Duration(rand.Int63n(int64(wait) / 16))
			t := time.NewTimer(wait)
			select {
			case <-notify:
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
			t.Stop()
			e, _, _ = s.read(key)
		}
		w.Header().Set("X-Index", strconv.FormatUint(e.Index, 10))
		json.NewEncoder(w).Encode(e)
	})
	mux.HandleFunc("/v1/audit", func(w http.ResponseWriter, r *http.Request) {
		var batch []auditRecord
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		time.Sleep(time.Duration(5+rand.Intn(60)) * time.Millisecond)
		s.mu.Lock()
		s.reports += len(batch)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// editor changes a policy now and then, as operators do.
func (s *policyStore) editor(stop <-chan struct{}, keys []string) {
	for n := 1; ; n++ {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(2+rand.Intn(5)) * time.Second):
		}
		s.put(keys[rand.Intn(len(keys))], fmt.Sprintf("v%d", n))
	}
}
