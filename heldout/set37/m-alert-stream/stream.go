package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type streamOptions struct {
	authWindow  time.Duration
	heartbeat   time.Duration
	idleLimit   time.Duration
	queueLen    int
	replayCount int
}

type alert struct {
	id       int64
	topic    string
	severity string
	text     string
	at       time.Time
}

func (a alert) line() string {
	return fmt.Sprintf("ALERT %d %s %s %s", a.id, a.topic, a.severity, a.text)
}

// stream is one console connection. The reader handles AUTH/SUB/UNSUB/
// QUIT and acks; the writer sends queued lines and a heartbeat. Either
// of them ending ends the stream: shutdown closes the socket and quit.
type stream struct {
	srv  *streamServer
	conn net.Conn
	id   int64

	send chan string
	quit chan struct{}
	once sync.Once

	authed   chan struct{}
	authOnce sync.Once
	user     string

	mu   sync.Mutex
	subs map[string]bool
	seen time.Time
}

type streamServer struct {
	opts streamOptions
	hist *history

	mu      sync.Mutex
	streams map[int64]*stream
	nextID  int64

	opened, closed atomic.Int64
}

func newStreamServer(h *history, o streamOptions) *streamServer {
	return &streamServer{opts: o, hist: h, streams: make(map[int64]*stream)}
}

func (s *streamServer) acceptLoop(ctx context.Context, ln net.Listener) {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		s.open(conn)
	}
}

func (s *streamServer) open(conn net.Conn) {
	s.mu.Lock()
	s.nextID++
	st := &stream{
		srv:    s,
		conn:   conn,
		id:     s.nextID,
		send:   make(chan string, s.opts.queueLen),
		quit:   make(chan struct{}),
		authed: make(chan struct{}),
		subs:   make(map[string]bool),
		seen:   time.Now(),
	}
	s.streams[st.id] = st
	s.mu.Unlock()
	s.opened.Add(1)

	go st.reader()
	go st.writer()
	go st.greet()
	go st.authWatchdog(s.opts.authWindow)
}

func (s *streamServer) remove(st *stream) {
	s.mu.Lock()
	delete(s.streams, st.id)
	s.mu.Unlock()
	s.closed.Add(1)
}

func (s *streamServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

func (s *streamServer) subscribers(topic string) []*stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*stream
	for _, st := range s.streams {
		if st.subscribed(topic) {
			out = append(out, st)
		}
	}
	return out
}

func (st *stream) subscribed(topic string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.subs[topic]
}

func (st *stream) shutdown(why string) {
	st.once.Do(func() {
		st.mu.Lock()
		user := st.user
		st.mu.Unlock()
		close(st.quit)
		st.conn.Close()
		st.srv.remove(st)
		if why != "" && why != "quit" && why != "eof" {
			log.Printf("stream %d (%s): closed: %s", st.id, user, why)
		}
	})
}

// offer queues a line without blocking; a console that cannot keep up
// loses lines rather than stalling the router.
func (st *stream) offer(line string) bool {
	select {
	case st.send <- line:
		return true
	case <-st.quit:
		return false
	default:
		return false
	}
}

func (st *stream) reader() {
	defer st.shutdown("eof")
	br := bufio.NewReader(st.conn)
	for {
		st.conn.SetReadDeadline(time.Now().Add(st.srv.opts.idleLimit))
		line, err := br.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				st.shutdown("idle")
			}
			return
		}
		st.mu.Lock()
		st.seen = time.Now()
		st.mu.Unlock()
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch cmd {
		case "AUTH":
			st.mu.Lock()
			st.user = arg
			st.mu.Unlock()
			st.authOnce.Do(func() { close(st.authed) })
			st.offer("OK auth " + arg)
		case "SUB":
			st.mu.Lock()
			for _, t := range strings.Split(arg, ",") {
				st.subs[t] = true
			}
			st.mu.Unlock()
			go st.replay(strings.Split(arg, ","))
		case "UNSUB":
			st.mu.Lock()
			delete(st.subs, arg)
			st.mu.Unlock()
		case "ACK", "PONG":
		case "QUIT":
			st.shutdown("quit")
			return
		default:
			st.offer("ERR unknown " + cmd)
		}
	}
}

func (st *stream) writer() {
	defer st.shutdown("writer")
	hb := time.NewTicker(st.srv.opts.heartbeat)
	defer hb.Stop()
	w := bufio.NewWriter(st.conn)
	for {
		var line string
		select {
		case <-st.quit:
			return
		case line = <-st.send:
		case t := <-hb.C:
			line = fmt.Sprintf("HB %d", t.Unix())
		}
		st.conn.SetWriteDeadline(time.Now().Add(4 * time.Second))
		w.WriteString(line)
		w.WriteByte('\n')
		if len(st.send) == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// greet sends the banner once the connection has settled.
func (st *stream) greet() {
	select {
	case <-time.After(time.Duration(50+st.id%200) * time.Millisecond):
	case <-st.quit:
		return
	}
	st.offer(fmt.Sprintf("HELLO alert-stream/1.4 stream=%d topics=%s", st.id, strings.Join(topics, ",")))
}

// authWatchdog closes consoles that do not authenticate in time.
func (st *stream) authWatchdog(window time.Duration) {
	t := time.NewTimer(window)
	defer t.Stop()
	select {
	case <-st.authed:
	case <-st.quit:
	case <-t.C:
		st.offer("ERR auth timeout")
		st.shutdown("auth timeout")
	}
}

// replay flushes recent alerts for newly subscribed topics.
func (st *stream) replay(ts []string) {
	for _, a := range st.srv.hist.recent(ts, st.srv.opts.replayCount) {
		select {
		case st.send <- "REPLAY " + a.line():
		case <-st.quit:
			return
		case <-time.After(2 * time.Second):
			return
		}
	}
}
