package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

var (
	ErrCallTimeout = errors.New("rpc: call timed out")
	ErrMuxClosed   = errors.New("rpc: connection closed")
)

// RemoteError is an error reported by the server.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return "rpc: remote: " + e.Msg }

// call is one outstanding request. reply is buffered so that whoever
// completes the call never blocks; done is closed once the call is
// finished so the cancel watcher can go away.
type call struct {
	id     uint64
	method string
	reply  chan frame
	done   chan struct{}
}

// Mux multiplexes concurrent calls over a single TCP connection: requests
// carry an id, a read loop routes replies back to the waiting callers, and
// every call waits for its reply at most the mux's call timeout.
type Mux struct {
	conn    net.Conn
	bw      *bufio.Writer
	wmu     sync.Mutex
	timeout time.Duration

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]*call
	closed  chan struct{}
	err     error

	calls, timeouts, orphans int64
}

func Dial(addr string, timeout time.Duration) (*Mux, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	m := &Mux{
		conn:    conn,
		bw:      bufio.NewWriterSize(conn, 32<<10),
		timeout: timeout,
		pending: make(map[uint64]*call),
		closed:  make(chan struct{}),
	}
	go m.readLoop()
	return m, nil
}

func (m *Mux) register(method string) (*call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return nil, m.err
	default:
	}
	m.nextID++
	c := &call{id: m.nextID, method: method, reply: make(chan frame, 1), done: make(chan struct{})}
	m.pending[c.id] = c
	return c, nil
}

// forget removes a call from the pending table; it reports whether the
// call was still pending, i.e. whether the caller now owns completing it.
func (m *Mux) forget(id uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.pending[id]; !ok {
		return false
	}
	delete(m.pending, id)
	return true
}

func (m *Mux) write(f frame) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	m.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	return writeFrame(m.bw, f)
}

// Call sends a request and waits for its reply, for at most the mux's
// call timeout. If ctx is cancelled first, the watcher cancels the call on
// the server and fails it with ctx's error.
func (m *Mux) Call(ctx context.Context, method string, body []byte) ([]byte, error) {
	atomic.AddInt64(&m.calls, 1)
	c, err := m.register(method)
	if err != nil {
		return nil, err
	}
	if err := m.write(frame{kind: kindRequest, id: c.id, method: method, body: body}); err != nil {
		m.forget(c.id)
		close(c.done)
		m.fail(err)
		return nil, err
	}
	if ctx.Done() != nil {
		go m.watchCancel(ctx, c)
	}

	timer := time.NewTimer(m.timeout)
	defer timer.Stop()
	select {
	case f := <-c.reply:
		switch f.kind {
		case kindReply:
			return f.body, nil
		case kindError:
			return nil, &RemoteError{Msg: string(f.body)}
		default:
			return nil, ctx.Err()
		}
	case <-timer.C:
		if m.forget(c.id) {
			atomic.AddInt64(&m.timeouts, 1)
			m.sendCancel(c.id)
		}
		return nil, fmt.Errorf("%s: %w", method, ErrCallTimeout)
	case <-m.closed:
		return nil, m.err
	}
}

// watchCancel cancels the call on the server when the caller's context
// ends before the call does.
func (m *Mux) watchCancel(ctx context.Context, c *call) {
	select {
	case <-ctx.Done():
		if m.forget(c.id) {
			m.sendCancel(c.id)
			c.reply <- frame{kind: kindCancel, id: c.id}
			close(c.done)
		}
	case <-c.done:
	}
}

func (m *Mux) sendCancel(id uint64) {
	if err := m.write(frame{kind: kindCancel, id: id}); err != nil {
		m.fail(err)
	}
}

func (m *Mux) readLoop() {
	br := bufio.NewReaderSize(m.conn, 32<<10)
	for {
		f, err := readFrame(br)
		if err != nil {
			m.fail(err)
			return
		}
		m.mu.Lock()
		c, ok := m.pending[f.id]
		if ok {
			delete(m.pending, f.id)
		}
		m.mu.Unlock()
		if !ok {
			atomic.AddInt64(&m.orphans, 1) // late reply to a call that gave up
			continue
		}
		c.reply <- f
		close(c.done)
	}
}

// fail closes the mux: every pending call is finished with err.
func (m *Mux) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return
	default:
	}
	m.err = fmt.Errorf("%w: %v", ErrMuxClosed, err)
	close(m.closed)
	m.conn.Close()
	for id, c := range m.pending {
		delete(m.pending, id)
		close(c.done)
	}
	log.Printf("mux: closed: %v", err)
}

func (m *Mux) Close() error {
	m.fail(errors.New("closed by client"))
	return nil
}

func (m *Mux) stats() (calls, timeouts, orphans int64, pending int) {
	m.mu.Lock()
	pending = len(m.pending)
	m.mu.Unlock()
	return atomic.LoadInt64(&m.calls), atomic.LoadInt64(&m.timeouts), atomic.LoadInt64(&m.orphans), pending
}
