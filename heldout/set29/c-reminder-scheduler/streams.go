package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// streamHub tracks the app clients that hold a live notification stream
// open. Each stream is served by its own goroutine until the client goes
// away or stays idle past the idle timeout.
type streamHub struct {
	idle time.Duration

	mu     sync.Mutex
	byUser map[string]map[*stream]struct{}

	opened, closed, notified int64
}

type stream struct {
	user   string
	events chan *Reminder
	hangup chan struct{}
	once   sync.Once
}

func (st *stream) Close() { st.once.Do(func() { close(st.hangup) }) }

func newStreamHub(idle time.Duration) *streamHub {
	return &streamHub{idle: idle, byUser: make(map[string]map[*stream]struct{})}
}

// Open registers a stream for user and starts serving it.
func (h *streamHub) Open(user string) *stream {
	st := &stream{user: user, events: make(chan *Reminder, 8), hangup: make(chan struct{})}
	h.mu.Lock()
	m := h.byUser[user]
	if m == nil {
		m = make(map[*stream]struct{})
		h.byUser[user] = m
	}
	m[st] = struct{}{}
	h.mu.Unlock()
	atomic.AddInt64(&h.opened, 1)
	go h.serve(st)
	return st
}

func (h *streamHub) serve(st *stream) {
	defer h.remove(st)
	idle := time.NewTimer(h.idle)
	defer idle.Stop()
	keepalive := time.NewTicker(5 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case r := <-st.events:
			_ = r // write the event frame to the client
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
			idle.Reset(h.idle)
		case <-keepalive.C:
			// write a ping frame
		case <-idle.C:
			return
		case <-st.hangup:
			return
		}
	}
}

func (h *streamHub) remove(st *stream) {
	h.mu.Lock()
	if m := h.byUser[st.user]; m != nil {
		delete(m, st)
		if len(m) == 0 {
			delete(h.byUser, st.user)
		}
	}
	h.mu.Unlock()
	atomic.AddInt64(&h.closed, 1)
}

// Notify offers r to every open stream of the user; streams that are
// backed up miss it (the app syncs on reconnect anyway).
func (h *streamHub) Notify(user string, r *Reminder) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.byUser[user] {
		select {
		case st.events <- r:
			atomic.AddInt64(&h.notified, 1)
		default:
		}
	}
}

func (h *streamHub) Live() int64 { return atomic.LoadInt64(&h.opened) - atomic.LoadInt64(&h.closed) }
