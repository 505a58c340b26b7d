package main

import (
	"sync"
	"time"
)

// hub routes new items to the push sessions subscribed to their feed.
type hub struct {
	mu   sync.RWMutex
	subs map[string]map[*pushSession]struct{}
}

func newHub() *hub {
	return &hub{subs: make(map[string]map[*pushSession]struct{})}
}

func (h *hub) subscribe(s *pushSession, feeds []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range feeds {
		set := h.subs[f]
		if set == nil {
			set = make(map[*pushSession]struct{})
			h.subs[f] = set
		}
		set[s] = struct{}{}
	}
}

func (h *hub) unsubscribe(s *pushSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f, set := range h.subs {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, f)
		}
	}
}

// publish offers the line to every subscriber, waiting a little for a
// subscriber whose queue is full before dropping it for that subscriber.
func (h *hub) publish(feed, line string) {
	h.mu.RLock()
	targets := make([]*pushSession, 0, len(h.subs[feed]))
	for s := range h.subs[feed] {
		targets = append(targets, s)
	}
	h.mu.RUnlock()
	for _, s := range targets {
		s.offer(line, 150*time.Millisecond)
	}
}

// itemStore keeps the latest items per feed for digests.
type itemStore struct {
	mu    sync.Mutex
	keep  int
	items map[string][]feedItem
}

func newItemStore(keep int) *itemStore {
	return &itemStore{keep: keep, items: make(map[string][]feedItem)}
}

func (s *itemStore) add(feed string, fresh []feedItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := append(s.items[feed], fresh...)
	if len(list) > s.keep {
		list = append([]feedItem(nil), list[len(list)-s.keep:]...)
	}
	s.items[feed] = list
}

func (s *itemStore) latest(feed string, n int) []feedItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.items[feed]
	if len(list) > n {
		list = list[len(list)-n:]
	}
	return append([]feedItem(nil), list...)
}

func (s *itemStore) drop(feed string) {
	s.mu.Lock()
	delete(s.items, feed)
	s.mu.Unlock()
}
