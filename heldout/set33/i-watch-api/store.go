package main

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Event is what a watcher is woken with: the key that moved and the store
// revision at which it did.
type Event struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Rev   int64  `json:"rev"`
}

type entry struct {
	value   string
	modRev  int64
	updated time.Time
}

// watcher is a one-shot registration: the first change to its key (or to
// any key under its prefix) past revision after is delivered on ch, and
// the watcher is dropped from the store.
type watcher struct {
	key    string
	prefix bool
	after  int64
	ch     chan Event // buffered 1; the store never blocks on it
}

// kvStore is a small revisioned key/value store in the style of a config
// service: every Put bumps the store revision and wakes the watchers of
// the key.
type kvStore struct {
	mu       sync.Mutex
	rev      int64
	data     map[string]*entry
	exact    map[string]map[*watcher]struct{}
	prefixed map[*watcher]struct{}

	puts, fired, cancelled int64
}

func newKVStore() *kvStore {
	return &kvStore{
		data:     make(map[string]*entry),
		exact:    make(map[string]map[*watcher]struct{}),
		prefixed: make(map[*watcher]struct{}),
	}
}

func (s *kvStore) Revision() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rev
}

func (s *kvStore) Get(key string) (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok {
		return Event{Key: key, Rev: s.rev}, false
	}
	return Event{Key: key, Value: e.value, Rev: e.modRev}, true
}

// List returns the keys under prefix, sorted, with their values.
func (s *kvStore) List(prefix string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for k, e := range s.data {
		if strings.HasPrefix(k, prefix) {
			out = append(out, Event{Key: k, Value: e.value, Rev: e.modRev})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (s *kvStore) Put(key, value string) Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rev++
	s.puts++
	e, ok := s.data[key]
	if !ok {
		e = &entry{}
		s.data[key] = e
	}
	e.value, e.modRev, e.updated = value, s.rev, time.Now()
	ev := Event{Key: key, Value: value, Rev: s.rev}

	for w := range s.exact[key] {
		s.deliverLocked(w, ev)
	}
	delete(s.exact, key)
	for w := range s.prefixed {
		if strings.HasPrefix(key, w.key) {
			s.deliverLocked(w, ev)
			delete(s.prefixed, w)
		}
	}
	return ev
}

func (s *kvStore) deliverLocked(w *watcher, ev Event) {
	select {
	case w.ch <- ev:
		s.fired++
	default:
	}
}

// Watch registers interest in key (or every key under it, for a prefix
// watch) after revision after. If the store already holds a newer change
// it is returned at once and no watcher is registered.
func (s *kvStore) Watch(key string, prefix bool, after int64) (*watcher, *Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev, ok := s.newerLocked(key, prefix, after); ok {
		return nil, &ev
	}
	w := &watcher{key: key, prefix: prefix, after: after, ch: make(chan Event, 1)}
	if prefix {
		s.prefixed[w] = struct{}{}
	} else {
		set := s.exact[key]
		if set == nil {
			set = make(map[*watcher]struct{})
			s.exact[key] = set
		}
		set[w] = struct{}{}
	}
	return w, nil
}

func (s *kvStore) newerLocked(key string, prefix bool, after int64) (Event, bool) {
	if !prefix {
		if e, ok := s.data[key]; ok && e.modRev > after {
			return Event{Key: key, Value: e.value, Rev: e.modRev}, true
		}
		return Event{}, false
	}
	var best Event
	found := false
	for k, e := range s.data {
		if e.modRev > after && strings.HasPrefix(k, key) && (!found || e.modRev < best.Rev) {
			best = Event{Key: k, Value: e.value, Rev: e.modRev}
			found = true
		}
	}
	return best, found
}

// Cancel drops a watcher that was not fired (the request timed out or the
// client went away). It is safe to call after the watcher fired.
func (s *kvStore) Cancel(w *watcher) {
	if w == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.prefix {
		if _, ok := s.prefixed[w]; ok {
			delete(s.prefixed, w)
			s.cancelled++
		}
		return
	}
	if set, ok := s.exact[w.key]; ok {
		if _, ok := set[w]; ok {
			delete(set, w)
			s.cancelled++
			if len(set) == 0 {
				delete(s.exact, w.key)
			}
		}
	}
}

type storeStats struct {
	rev, keys, watchers, puts, fired, cancelled int64
}

func (s *kvStore) stats() storeStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(len(s.prefixed))
	for _, set := range s.exact {
		n += int64(len(set))
	}
	return storeStats{rev: s.rev, keys: int64(len(s.data)), watchers: n, puts: s.puts, fired: s.fired, cancelled: s.cancelled}
}
