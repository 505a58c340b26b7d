package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server accepts TCP connections and runs one session per connection.
type Server struct {
	hub         *Hub
	idleTimeout time.Duration
	queueDepth  int

	nextID uint64
}

func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var tempDelay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if tempDelay == 0 {
					tempDelay = 5 * time.Millisecond
				} else if tempDelay *= 2; tempDelay > time.Second {
					tempDelay = time.Second
				}
				time.Sleep(tempDelay)
				continue
			}
			return err
		}
		tempDelay = 0
		id := atomic.AddUint64(&s.nextID, 1)
		sess := newSession(id, conn, s.hub, s.queueDepth, s.idleTimeout)
		s.hub.register(sess)
		go sess.writeLoop()
		go sess.readLoop()
	}
}

// session is one connected client. readLoop parses commands coming in on
// the connection; writeLoop drains the outbound queue onto it. Closing the
// session (either side hanging up, or the hub kicking a slow consumer)
// closes done and the connection, which ends both loops.
type session struct {
	id          uint64
	conn        net.Conn
	hub         *Hub
	out         chan []byte
	done        chan struct{}
	idleTimeout time.Duration

	closeOnce sync.Once

	mu    sync.Mutex
	nick  string
	rooms map[string]bool
}

func newSession(id uint64, conn net.Conn, hub *Hub, depth int, idle time.Duration) *session {
	return &session{
		id:          id,
		conn:        conn,
		hub:         hub,
		out:         make(chan []byte, depth),
		done:        make(chan struct{}),
		idleTimeout: idle,
		nick:        fmt.Sprintf("guest%d", id),
		rooms:       make(map[string]bool),
	}
}

func (s *session) name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nick
}

// send queues a line for the client; it reports false if the queue is full.
func (s *session) send(line []byte) bool {
	select {
	case <-s.done:
		return false
	default:
	}
	select {
	case s.out <- line:
		return true
	default:
		return false
	}
}

func (s *session) reply(format string, args ...interface{}) {
	s.send([]byte(fmt.Sprintf(format, args...) + "\n"))
}

func (s *session) close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.conn.Close()
		s.hub.unregister(s)
	})
}

func (s *session) readLoop() {
	defer s.close()
	r := bufio.NewReaderSize(s.conn, 4096)
	for {
		s.conn.SetReadDeadline(time.Now().Add(s.idleTimeout))
		line, err := r.ReadString('\n')
		if err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				log.Printf("session %d: read: %v", s.id, err)
			}
			return
		}
		if !s.handle(strings.TrimRight(line, "\r\n")) {
			return
		}
	}
}

func (s *session) handle(line string) bool {
	cmd, rest := splitCommand(line)
	switch cmd {
	case "":
		return true
	case "NICK":
		if rest == "" {
			s.reply("ERR nick required")
			return true
		}
		s.mu.Lock()
		s.nick = rest
		s.mu.Unlock()
		s.reply("WELCOME %s %d", rest, s.id)
	case "JOIN":
		if !s.hub.join(s, rest) {
			s.reply("ERR no such room %q", rest)
			return true
		}
		s.mu.Lock()
		s.rooms[rest] = true
		s.mu.Unlock()
		s.reply("JOINED %s", rest)
	case "PART":
		s.hub.part(s, rest)
		s.mu.Lock()
		delete(s.rooms, rest)
		s.mu.Unlock()
	case "SAY":
		room, text := rest, ""
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			room, text = rest[:i], strings.TrimSpace(rest[i+1:])
		}
		s.mu.Lock()
		in := s.rooms[room]
		s.mu.Unlock()
		if !in {
			s.reply("ERR not in %s", room)
			return true
		}
		s.hub.publish(room, s, text)
	case "PING":
		s.reply("PONG %s", rest)
	case "QUIT":
		return false
	default:
		s.reply("ERR unknown command %s", cmd)
	}
	return true
}

func (s *session) writeLoop() {
	w := bufio.NewWriterSize(s.conn, 8192)
	for {
		select {
		case <-s.done:
			return
		case line := <-s.out:
			if _, err := w.Write(line); err != nil {
				s.close()
				return
			}
			// Coalesce whatever else is already queued before flushing.
			for more := true; more; {
				select {
				case line := <-s.out:
					if _, err := w.Write(line); err != nil {
						s.close()
						return
					}
				default:
					more = false
				}
			}
			s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := w.Flush(); err != nil {
				s.close()
				return
			}
		}
	}
}

func splitCommand(line string) (string, string) {
	line = strings.TrimSpace(line)
	if i := strings.IndexByte(line, ' '); i >= 0 {
		return strings.ToUpper(line[:i]), strings.TrimSpace(line[i+1:])
	}
	return strings.ToUpper(line), ""
}
