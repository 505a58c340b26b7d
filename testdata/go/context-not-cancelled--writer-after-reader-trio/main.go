// context-not-cancelled--writer-after-reader-trio: the client of a
// streaming RPC service (length-prefixed frames over local TCP) keeps one
// watch session per key. (*Session).serve starts three goroutines for each
// session: recv (reads frames off the socket), send (writes the outbound
// queue until the session's context is done) and watchIdle (queues a ping
// when the stream goes quiet, ends when recv closes `closed`). When the
// server ends a stream, recv closes the socket and `closed` and returns,
// so watchIdle ends with it; the client's reopenDead replaces the session,
// but only Close cancels the context and reopenDead never calls it: each
// ended session's send waits in its select on ctx.Done() and the queue
// forever (+10 per snapshot; 12 live sessions constant).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

const (
	opOpen byte = iota + 1
	opReady
	opData
	opPing
)

var errQueueFull = errors.New("session: outbound queue full")

func writeFrame(w io.Writer, op byte, payload []byte) error {
	buf := make([]byte, 5+len(payload))
	buf[0] = op
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(payload)))
	copy(buf[5:], payload)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	payload := make([]byte, binary.BigEndian.Uint32(hdr[1:]))
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[0], payload, nil
}

type Session struct {
	key    string
	conn   net.Conn
	ctx    context.Context
	cancel context.CancelFunc
	outq   chan []byte
	closed chan struct{} // closed by recv when the stream ends

	mu      sync.Mutex
	lastRx  time.Time
	events  int
	recvErr error
}

func (s *Session) serve() {
	go s.recv()
	go s.send()
	go s.watchIdle(30 * time.Second)
}

// recv reads events until the stream ends. BUG: on its way out it closes
// the socket and `closed`, but does not cancel the session's context.
func (s *Session) recv() {
	defer close(s.closed)
	defer s.conn.Close()
	for {
		op, _, err := readFrame(s.conn)
		if err != nil {
			s.mu.Lock()
			s.recvErr = err
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		s.lastRx = time.Now()
		if op == opData {
			s.events++
		}
		s.mu.Unlock()
	}
}

func (s *Session) send() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case msg := <-s.outq:
			op := opData
			if msg == nil {
				op = opPing
			}
			if err := writeFrame(s.conn, op, msg); err != nil {
				// The stream is gone; recv reports it.
				continue
			}
		}
	}
}

func (s *Session) watchIdle(idle time.Duration) {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
			s.mu.Lock()
			quiet := time.Since(s.lastRx) >= idle
			s.mu.Unlock()
			if quiet {
				s.Send(nil) // ping
			}
			t.Reset(idle)
		}
	}
}

// Send queues a message for the stream; nil is a ping.
func (s *Session) Send(msg []byte) error {
	select {
	case s.outq <- msg:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	default:
		return errQueueFull
	}
}

func (s *Session) Done() <-chan struct{} { return s.closed }

func (s *Session) Close() error {
	s.cancel()
	return s.conn.Close()
}

type Client struct {
	addr     string
	root     context.Context
	mu       sync.Mutex
	sessions map[string]*Session
}

func (cl *Client) Watch(key string) (*Session, error) {
	conn, err := net.DialTimeout("tcp", cl.addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	if err := writeFrame(conn, opOpen, []byte(key)); err != nil {
		conn.Close()
		return nil, err
	}
	if op, _, err := readFrame(conn); err != nil || op != opReady {
		conn.Close()
		return nil, fmt.Errorf("watch %s: no ready frame (op %d): %v", key, op, err)
	}
	ctx, cancel := context.WithCancel(cl.root)
	s := &Session{
		key:    key,
		conn:   conn,
		ctx:    ctx,
		cancel: cancel,
		outq:   make(chan []byte, 16),
		closed: make(chan struct{}),
		lastRx: time.Now(),
	}
	s.serve()
	s.Send([]byte("since=0"))
	cl.mu.Lock()
	cl.sessions[key] = s
	cl.mu.Unlock()
	return s, nil
}

// reopenDead replaces every session whose stream has ended. BUG: the dead
// session is dropped from the table without Close, so its context is
// never cancelled.
func (cl *Client) reopenDead() (int, error) {
	var dead []string
	cl.mu.Lock()
	for key, s := range cl.sessions {
		select {
		case <-s.Done():
			dead = append(dead, key)
		default:
		}
	}
	cl.mu.Unlock()
	sort.Strings(dead)
	for _, key := range dead {
		if _, err := cl.Watch(key); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// server streams events and ends the oldest streams on a rebalance.
type server struct {
	mu      sync.Mutex
	streams []net.Conn
}

func (sv *server) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go sv.handle(conn)
	}
}

func (sv *server) handle(conn net.Conn) {
	if op, _, err := readFrame(conn); err != nil || op != opOpen {
		conn.Close()
		return
	}
	sv.mu.Lock()
	sv.streams = append(sv.streams, conn)
	sv.mu.Unlock()
	writeFrame(conn, opReady, nil)
	writeFrame(conn, opData, []byte("event 1"))
	for {
		if _, _, err := readFrame(conn); err != nil {
			return
		}
	}
}

func (sv *server) rebalance(n int) int {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if n > len(sv.streams) {
		n = len(sv.streams)
	}
	for _, conn := range sv.streams[:n] {
		conn.Close()
	}
	sv.streams = sv.streams[n:]
	return n
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	sv := &server{}
	go sv.accept(ln)
	cl := &Client{addr: ln.Addr().String(), root: context.Background(), sessions: make(map[string]*Session)}
	for k := 1; k <= 3; k++ {
		if k == 1 {
			for i := 0; i < 12; i++ {
				if _, err := cl.Watch(fmt.Sprintf("/config/svc-%02d", i)); err != nil {
					panic(err)
				}
			}
		} else {
			// The server ends the ten oldest streams; the client reopens
			// them once their readers have seen the end.
			ended := sv.rebalance(10)
			reopened := 0
			deadline := time.Now().Add(5 * time.Second)
			for reopened < ended {
				if time.Now().After(deadline) {
					panic(fmt.Sprintf("reopened %d of %d ended sessions", reopened, ended))
				}
				n, err := cl.reopenDead()
				if err != nil {
					panic(err)
				}
				reopened += n
				time.Sleep(10 * time.Millisecond)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("context-not-cancelled--writer-after-reader-trio")
}
