package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type chatLine struct {
	from *session
	nick string
	text string
	at   time.Time
}

// room keeps its member list and fans every chat line out to the members'
// outbound queues from its own broadcaster goroutine.
type room struct {
	name string
	hub  *Hub
	in   chan chatLine

	mu      sync.RWMutex
	members map[uint64]*session
	history []string
}

func (r *room) broadcast() {
	for msg := range r.in {
		line := []byte(fmt.Sprintf("MSG %s %s %s %s\n", r.name, msg.at.Format("15:04:05.000"), msg.nick, msg.text))
		r.mu.RLock()
		targets := make([]*session, 0, len(r.members))
		for _, m := range r.members {
			if m != msg.from {
				targets = append(targets, m)
			}
		}
		r.mu.RUnlock()

		r.mu.Lock()
		r.history = append(r.history, string(line))
		if len(r.history) > 50 {
			r.history = r.history[len(r.history)-50:]
		}
		r.mu.Unlock()

		for _, m := range targets {
			if m.send(line) {
				atomic.AddUint64(&r.hub.delivered, 1)
				continue
			}
			// The client is not keeping up: drop the line, and kick it if
			// it stays that far behind.
			atomic.AddUint64(&r.hub.dropped, 1)
			if len(m.out) == cap(m.out) {
				atomic.AddUint64(&r.hub.kicked, 1)
				go m.close()
			}
		}
	}
}

// Hub owns the rooms and the set of live sessions.
type Hub struct {
	rooms map[string]*room

	mu       sync.Mutex
	sessions map[uint64]*session

	delivered, dropped, kicked uint64
}

type HubStats struct {
	Sessions                   int
	Delivered, Dropped, Kicked uint64
}

func NewHub(names []string) *Hub {
	h := &Hub{rooms: make(map[string]*room), sessions: make(map[uint64]*session)}
	for _, n := range names {
		r := &room{name: n, hub: h, in: make(chan chatLine, 128), members: make(map[uint64]*session)}
		h.rooms[n] = r
		go r.broadcast()
	}
	return h
}

func (h *Hub) register(s *session) {
	h.mu.Lock()
	h.sessions[s.id] = s
	h.mu.Unlock()
}

func (h *Hub) unregister(s *session) {
	h.mu.Lock()
	delete(h.sessions, s.id)
	h.mu.Unlock()
	s.mu.Lock()
	joined := make([]string, 0, len(s.rooms))
	for r := range s.rooms {
		joined = append(joined, r)
	}
	s.mu.Unlock()
	for _, r := range joined {
		h.part(s, r)
	}
}

func (h *Hub) join(s *session, name string) bool {
	r, ok := h.rooms[name]
	if !ok {
		return false
	}
	r.mu.Lock()
	r.members[s.id] = s
	backlog := r.history
	if len(backlog) > 10 {
		backlog = backlog[len(backlog)-10:]
	}
	backlog = append([]string(nil), backlog...)
	r.mu.Unlock()
	for _, l := range backlog {
		s.send([]byte(l))
	}
	return true
}

func (h *Hub) part(s *session, name string) {
	r, ok := h.rooms[name]
	if !ok {
		return
	}
	r.mu.Lock()
	delete(r.members, s.id)
	r.mu.Unlock()
}

func (h *Hub) publish(name string, from *session, text string) {
	r, ok := h.rooms[name]
	if !ok {
		return
	}
	msg := chatLine{from: from, nick: from.name(), text: text, at: time.Now()}
	select {
	case r.in <- msg:
	case <-from.done:
	}
}

func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	return HubStats{
		Sessions:  n,
		Delivered: atomic.LoadUint64(&h.delivered),
		Dropped:   atomic.LoadUint64(&h.dropped),
		Kicked:    atomic.LoadUint64(&h.kicked),
	}
}
