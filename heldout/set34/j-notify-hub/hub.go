package main

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one notification on a topic. Seq numbers are per topic.
type Event struct {
	Seq   uint64    `json:"seq"`
	Topic string    `json:"topic"`
	Kind  string    `json:"kind"`
	Body  string    `json:"body"`
	At    time.Time `json:"at"`
}

const retainPerTopic = 64

// topic keeps the last few events and a channel that is closed (and
// replaced) whenever a new event is appended, so that any number of
// pollers can wait for "something newer than seq".
type topic struct {
	name string

	mu      sync.Mutex
	log     []Event
	last    uint64
	changed chan struct{}

	waiting int32 // pollers parked right now
}

func newTopic(name string) *topic {
	return &topic{name: name, changed: make(chan struct{})}
}

func (t *topic) head() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

func (t *topic) append(kind, body string) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last++
	ev := Event{Seq: t.last, Topic: t.name, Kind: kind, Body: body, At: time.Now()}
	t.log = append(t.log, ev)
	if len(t.log) > 2*retainPerTopic {
		t.log = append([]Event(nil), t.log[len(t.log)-retainPerTopic:]...)
	}
	close(t.changed)
	t.changed = make(chan struct{})
	return ev
}

// after returns the retained events newer than seq, at most limit of them;
// when there are none it returns the channel that the next append closes.
func (t *topic) after(seq uint64, limit int) ([]Event, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq >= t.last {
		return nil, t.changed
	}
	i := sort.Search(len(t.log), func(i int) bool { return t.log[i].Seq > seq })
	out := t.log[i:]
	if len(out) > limit {
		out = out[:limit]
	}
	return append([]Event(nil), out...), nil
}

// await parks the caller until the topic has events newer than seq or ctx
// ends (the API gives every poll a deadline).
func (t *topic) await(ctx context.Context, seq uint64, limit int) ([]Event, error) {
	atomic.AddInt32(&t.waiting, 1)
	defer atomic.AddInt32(&t.waiting, -1)
	for {
		evs, changed := t.after(seq, limit)
		if len(evs) > 0 {
			return evs, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type hub struct {
	hooks *hookRegistry

	mu     sync.RWMutex
	topics map[string]*topic

	published atomic.Int64
}

func newHub(hooks *hookRegistry) *hub {
	return &hub{hooks: hooks, topics: make(map[string]*topic)}
}

func (h *hub) topic(name string) *topic {
	h.mu.RLock()
	t := h.topics[name]
	h.mu.RUnlock()
	if t != nil {
		return t
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t = h.topics[name]; t == nil {
		t = newTopic(name)
		h.topics[name] = t
	}
	return t
}

func (h *hub) publish(name, kind, body string) Event {
	ev := h.topic(name).append(kind, body)
	h.published.Add(1)
	h.hooks.fanout(ev)
	return ev
}

func (h *hub) topicCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.topics)
}

func (h *hub) pollers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, t := range h.topics {
		n += int(atomic.LoadInt32(&t.waiting))
	}
	return n
}
