package main

import (
	"sync"
	"time"
)

type msgKind int

const (
	msgRenew msgKind = iota
	msgData
	msgEpoch
)

type message struct {
	kind    msgKind
	payload []byte
	epoch   uint64
}

// Session is one client's lease. Its goroutine owns the lease deadline: it
// renews it on keepalives and ends the session once the deadline passes
// without one.
type Session struct {
	ID       uint64
	ClientID string

	b      *Broker
	inbox  chan message
	done   chan struct{} // closed by Close
	closed chan struct{} // closed when loop has returned
	once   sync.Once

	// owned by loop
	deadline time.Time
	epoch    uint64
	bytesIn  int
	beats    int
}

func newSession(b *Broker, id uint64, client string) *Session {
	return &Session{
		ID:       id,
		ClientID: client,
		b:        b,
		inbox:    make(chan message, b.cfg.InboxSize),
		done:     make(chan struct{}),
		closed:   make(chan struct{}),
		deadline: time.Now().Add(b.cfg.LeaseTTL),
	}
}

// Close ends the session; it is safe to call more than once.
func (s *Session) Close() {
	s.once.Do(func() { close(s.done) })
}

func (s *Session) loop() {
	hb := time.NewTicker(s.b.cfg.Heartbeat)
	defer hb.Stop()
	reason := "closed"
	defer func() {
		s.b.remove(s, reason)
		close(s.closed)
	}()
	for {
		select {
		case now := <-hb.C:
			if now.After(s.deadline) {
				reason = "expired"
				return
			}
			s.beats++
			s.b.audit.record(event{session: s.ID, kind: "heartbeat"})
		case m := <-s.inbox:
			switch m.kind {
			case msgRenew:
				s.deadline = time.Now().Add(s.b.cfg.LeaseTTL)
			case msgData:
				s.bytesIn += len(m.payload)
				s.deadline = time.Now().Add(s.b.cfg.LeaseTTL)
			case msgEpoch:
				if m.epoch > s.epoch {
					s.epoch = m.epoch
				}
			}
		case <-s.done:
			return
		}
	}
}

// deliver hands m to the session unless it is gone or stays busy for
// longer than wait.
func (s *Session) deliver(m message, wait time.Duration) bool {
	select {
	case s.inbox <- m:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s.inbox <- m:
		return true
	case <-s.closed:
		return false
	case <-t.C:
		return false
	}
}
