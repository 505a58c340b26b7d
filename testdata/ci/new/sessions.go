// Package sessions keeps the open sessions of a chat server. Each session
// forwards its events to the subscribers from a goroutine of its own.
package sessions

import (
	"sync"
)

// Session is one client connection.
type Session struct {
	ID     int
	buf    []byte
	events chan string
	subs   []func(string)
}

// Store holds the open sessions.
type Store struct {
	mu       sync.Mutex
	sessions map[int]*Session
	next     int
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{sessions: make(map[int]*Session)}
}

// Open starts a session and its forwarding goroutine.
func (s *Store) Open() *Session {
	s.mu.Lock()
	s.next++
	sess := &Session{ID: s.next, buf: make([]byte, 8<<10), events: make(chan string)}
	s.sessions[sess.ID] = sess
	s.mu.Unlock()
	go sess.forward()
	return sess
}

func (sess *Session) forward() {
	for e := range sess.events {
		copy(sess.buf, e)
		for _, f := range sess.subs {
			f(e)
		}
	}
}

// Publish sends an event to the session's subscribers.
func (sess *Session) Publish(e string) {
	sess.events <- e
}

// Close ends a session.
func (s *Store) Close(sess *Session) {
	s.mu.Lock()
	delete(s.sessions, sess.ID)
	s.mu.Unlock()
	// The new build moved the shutdown into a drain step that Close no
	// longer calls: the forwarder ranges over events forever.
}

// Len is the number of open sessions.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
