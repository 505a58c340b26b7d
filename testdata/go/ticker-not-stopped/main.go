// ticker-not-stopped: each session starts a heartbeat goroutine with
// `t := time.NewTicker(...)` and `for range t.C`; closing the session
// never stops the ticker nor the goroutine, which keeps the session (and
// its buffer) alive.
package main

import (
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Session struct {
	ID     int
	buf    []byte
	pings  int
	closed bool
}

type SessionManager struct {
	mu       sync.Mutex
	sessions map[int]*Session
}

func newSession(id int) *Session {
	return &Session{ID: id, buf: make([]byte, 16<<10)}
}

func (m *SessionManager) Open(id int) *Session {
	s := newSession(id)
	m.mu.Lock()
	m.sessions[id] = s
	m.mu.Unlock()
	go s.heartbeat(30 * time.Second)
	return s
}

// Close drops the session but the heartbeat keeps running.
func (m *SessionManager) Close(id int) {
	m.mu.Lock()
	if s, ok := m.sessions[id]; ok {
		s.closed = true
		delete(m.sessions, id)
	}
	m.mu.Unlock()
}

func (s *Session) heartbeat(every time.Duration) {
	t := time.NewTicker(every) // BUG: never stopped
	for range t.C {
		s.ping()
	}
}

func (s *Session) ping() {
	s.pings++
	s.buf[0] = byte(s.pings)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	m := &SessionManager{sessions: map[int]*Session{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			m.Open(id)
			m.Close(id)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("ticker-not-stopped")
}
