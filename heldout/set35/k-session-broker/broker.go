package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type Config struct {
	Heartbeat    time.Duration // broker -> client heartbeat period
	LeaseTTL     time.Duration // a session with no client traffic for this long is evicted
	ReapEvery    time.Duration
	WriteTimeout time.Duration
}

var errUnknownSession = errors.New("unknown-session")

// Broker keeps the session table and the topic subscriptions.
type Broker struct {
	cfg Config

	mu       sync.Mutex
	seq      uint64
	sessions map[string]*session
	topics   map[string]map[*session]struct{}

	opened, resumed, evicted, closed, published uint64
}

func NewBroker(cfg Config) *Broker {
	return &Broker{
		cfg:      cfg,
		sessions: make(map[string]*session),
		topics:   make(map[string]map[*session]struct{}),
	}
}

func (b *Broker) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return err
		}
		go b.handleConn(conn)
	}
}

// handleConn runs one client connection: the handshake, then the session's
// read loop in this goroutine while its heartbeat runs alongside.
func (b *Broker) handleConn(conn net.Conn) {
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := br.ReadString('\n')
	if err != nil {
		conn.Close()
		return
	}
	conn.SetReadDeadline(time.Time{})

	s, err := b.open(conn, strings.TrimSpace(line))
	if err != nil {
		fmt.Fprintf(conn, "ERR %v\n", err)
		conn.Close()
		return
	}
	defer b.unregister(s)

	if err := s.writeLine("WELCOME %s %d %d", s.id, b.cfg.Heartbeat.Milliseconds(), b.cfg.LeaseTTL.Milliseconds()); err != nil {
		return
	}
	go s.heartbeat(b.cfg.Heartbeat)
	s.readLoop(b, br)
}

// open handles HELLO (new session) and RESUME (same session on a new
// connection, e.g. after a mobile client changed networks).
func (b *Broker) open(conn net.Conn, hello string) (*session, error) {
	f := strings.Fields(hello)
	switch {
	case len(f) == 3 && f[0] == "HELLO":
		b.mu.Lock()
		b.seq++
		s := newSession(fmt.Sprintf("s%05d", b.seq), f[1], f[2], conn, b.cfg.WriteTimeout)
		b.sessions[s.id] = s
		b.mu.Unlock()
		atomic.AddUint64(&b.opened, 1)
		return s, nil

	case len(f) == 2 && f[0] == "RESUME":
		b.mu.Lock()
		old, ok := b.sessions[f[1]]
		if !ok {
			b.mu.Unlock()
			return nil, errUnknownSession
		}
		s := newSession(old.id, old.tenant, old.client, conn, b.cfg.WriteTimeout)
		b.sessions[s.id] = s
		for _, topic := range old.topics {
			b.subscribeLocked(s, topic)
		}
		b.unsubscribeAllLocked(old)
		b.mu.Unlock()
		// The old connection is dead or about to be: shut it down here, its
		// handler will find the id taken over and leave the table alone.
		old.stop()
		atomic.AddUint64(&b.resumed, 1)
		return s, nil
	}
	return nil, fmt.Errorf("bad-hello")
}

// unregister removes s when its connection ends. A session that was
// resumed on another connection or evicted by the reaper has already been
// replaced or removed (and stopped there), so only the current owner of
// the id is removed.
func (b *Broker) unregister(s *session) {
	b.mu.Lock()
	if b.sessions[s.id] != s {
		b.mu.Unlock()
		return
	}
	delete(b.sessions, s.id)
	b.unsubscribeAllLocked(s)
	b.mu.Unlock()
	s.stop()
	atomic.AddUint64(&b.closed, 1)
}

func (b *Broker) subscribe(s *session, topic string) {
	b.mu.Lock()
	b.subscribeLocked(s, topic)
	b.mu.Unlock()
}

func (b *Broker) subscribeLocked(s *session, topic string) {
	subs := b.topics[topic]
	if subs == nil {
		subs = make(map[*session]struct{})
		b.topics[topic] = subs
	}
	if _, dup := subs[s]; !dup {
		subs[s] = struct{}{}
		s.topics = append(s.topics, topic)
	}
}

func (b *Broker) unsubscribeAllLocked(s *session) {
	for _, topic := range s.topics {
		if subs := b.topics[topic]; subs != nil {
			delete(subs, s)
			if len(subs) == 0 {
				delete(b.topics, topic)
			}
		}
	}
}

// publish fans a message out to the topic's subscribers. Slow subscribers
// are skipped after the write timeout; the reaper deals with dead ones.
func (b *Broker) publish(from *session, topic, payload string) {
	b.mu.Lock()
	subs := make([]*session, 0, len(b.topics[topic]))
	for s := range b.topics[topic] {
		if s != from {
			subs = append(subs, s)
		}
	}
	b.mu.Unlock()
	for _, s := range subs {
		s.writeLine("MSG %s %s", topic, payload)
	}
	atomic.AddUint64(&b.published, 1)
}

// reapLoop evicts sessions whose lease ran out: the client stopped
// pinging (suspended app, half-open connection).
func (b *Broker) reapLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.ReapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			b.reap(now)
		}
	}
}

func (b *Broker) reap(now time.Time) {
	var stale []*session
	b.mu.Lock()
	for id, s := range b.sessions {
		if now.Sub(s.lastSeen()) > b.cfg.LeaseTTL {
			delete(b.sessions, id)
			b.unsubscribeAllLocked(s)
			stale = append(stale, s)
		}
	}
	b.mu.Unlock()
	for _, s := range stale {
		// stop ends the heartbeat and closes the connection, which makes
		// the read loop return; the handler then finds the id gone and
		// leaves the table alone.
		s.stop()
		atomic.AddUint64(&b.evicted, 1)
		log.Printf("broker: evicted %s (%s/%s), idle %v", s.id, s.tenant, s.client, now.Sub(s.lastSeen()).Round(time.Millisecond))
	}
}

func (b *Broker) logStats(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		n, nt := len(b.sessions), len(b.topics)
		b.mu.Unlock()
		log.Printf("broker: sessions=%d topics=%d opened=%d resumed=%d evicted=%d closed=%d published=%d",
			n, nt, atomic.LoadUint64(&b.opened), atomic.LoadUint64(&b.resumed), atomic.LoadUint64(&b.evicted),
			atomic.LoadUint64(&b.closed), atomic.LoadUint64(&b.published))
	}
}
