package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// session is one client's state on one connection.
type session struct {
	id     string
	tenant string
	client string
	conn   net.Conn

	writeTimeout time.Duration
	wmu          sync.Mutex
	w            *bufio.Writer

	seen     int64 // unix nanos of the last line from the client
	topics   []string
	quit     chan struct{}
	stopOnce sync.Once

	hbSent, hbFailed int
}

func newSession(id, tenant, client string, conn net.Conn, writeTimeout time.Duration) *session {
	s := &session{
		id:           id,
		tenant:       tenant,
		client:       client,
		conn:         conn,
		writeTimeout: writeTimeout,
		w:            bufio.NewWriter(conn),
		quit:         make(chan struct{}),
	}
	s.touch()
	return s
}

func (s *session) touch() { atomic.StoreInt64(&s.seen, time.Now().UnixNano()) }

func (s *session) lastSeen() time.Time { return time.Unix(0, atomic.LoadInt64(&s.seen)) }

func (s *session) writeLine(format string, args ...interface{}) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.writeTimeout)); err != nil {
		return err
	}
	fmt.Fprintf(s.w, format, args...)
	s.w.WriteByte('\n')
	return s.w.Flush()
}

// stop ends the session's heartbeat and closes its connection.
func (s *session) stop() {
	s.stopOnce.Do(func() {
		close(s.quit)
		s.conn.Close()
	})
}

// heartbeat tells the client the broker is alive. A failed write is not
// fatal: a client on a slow link can miss one, and sessions that are
// really gone are the reaper's business.
func (s *session) heartbeat(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var seq uint64
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			seq++
			if err := s.writeLine("HB %d", seq); err != nil {
				s.hbFailed++
				continue
			}
			s.hbSent++
		}
	}
}

// readLoop serves the client's commands until the connection ends or the
// client says BYE.
func (s *session) readLoop(b *Broker, br *bufio.Reader) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		s.touch()
		cmd, rest := splitWord(strings.TrimSpace(line))
		switch cmd {
		case "PING":
			s.writeLine("PONG %s", rest)
		case "SUB":
			b.subscribe(s, rest)
		case "PUB":
			topic, payload := splitWord(rest)
			b.publish(s, topic, payload)
		case "BYE":
			s.writeLine("BYE")
			return
		default:
			s.writeLine("ERR unknown-command")
		}
	}
}

func splitWord(s string) (string, string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
