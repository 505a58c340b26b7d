package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type tunnelConfig struct {
	handshakeTimeout time.Duration
	readTimeout      time.Duration
	idleKick         time.Duration
	pingEvery        time.Duration
	outboxDepth      int
}

type frame struct {
	verb string
	seq  uint64
	body string
}

func (f frame) String() string {
	if f.seq == 0 {
		return strings.TrimSpace(f.verb + " " + f.body)
	}
	return fmt.Sprintf("%s %d %s", f.verb, f.seq, f.body)
}

// agentConn is one agent's tunnel: readLoop consumes what the agent sends,
// writeLoop drains the outbox onto the socket.
type agentConn struct {
	id     string
	srv    *tunnelServer
	nc     net.Conn
	br     *bufio.Reader
	outbox chan frame
	done   chan struct{}

	closeOnce sync.Once
	lastSeen  atomic.Int64
	kicked    atomic.Bool
	events    atomic.Int64
}

type tunnelServer struct {
	cfg tunnelConfig

	mu    sync.Mutex
	conns map[string]*agentConn

	pmu     sync.Mutex
	nextSeq uint64
	pending map[uint64]chan string

	accepted atomic.Int64
	kicks    atomic.Int64
	resets   atomic.Int64
	events   atomic.Int64
}

func newTunnelServer(cfg tunnelConfig) *tunnelServer {
	return &tunnelServer{
		cfg:     cfg,
		conns:   make(map[string]*agentConn),
		pending: make(map[uint64]chan string),
	}
}

func (s *tunnelServer) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Printf("accept: %v", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		s.accepted.Add(1)
		go s.handshake(nc)
	}
}

func (s *tunnelServer) handshake(nc net.Conn) {
	nc.SetReadDeadline(time.Now().Add(s.cfg.handshakeTimeout))
	br := bufio.NewReader(nc)
	line, err := br.ReadString('\n')
	if err != nil {
		nc.Close()
		return
	}
	fields := strings.Fields(line)
	if len(fields) < 2 || fields[0] != "HELLO" {
		fmt.Fprintf(nc, "ERR expected HELLO\n")
		nc.Close()
		return
	}
	nc.SetReadDeadline(time.Time{})

	c := &agentConn{
		id:     fields[1],
		srv:    s,
		nc:     nc,
		br:     br,
		outbox: make(chan frame, s.cfg.outboxDepth),
		done:   make(chan struct{}),
	}
	c.lastSeen.Store(time.Now().UnixNano())
	if old := s.register(c); old != nil {
		// The agent reconnected before we noticed the old tunnel died.
		old.Close()
	}
	c.outbox <- frame{verb: "WELCOME", body: c.id}

	go c.readLoop()
	go c.writeLoop()
}

func (s *tunnelServer) register(c *agentConn) *agentConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.conns[c.id]
	s.conns[c.id] = c
	return old
}

func (s *tunnelServer) drop(c *agentConn) {
	s.mu.Lock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
	s.mu.Unlock()
}

func (s *tunnelServer) snapshot() []*agentConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*agentConn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

func (s *tunnelServer) lookup(id string) *agentConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

func (c *agentConn) readLoop() {
	defer c.srv.drop(c)
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.readTimeout))
		line, err := c.br.ReadString('\n')
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
				// Agent hung up; tear the tunnel down.
				c.Close()
			case c.kicked.Load():
				// reaper already closed the socket
			default:
				c.srv.resets.Add(1)
				log.Printf("agent %s: read: %v", c.id, err)
			}
			return
		}
		c.lastSeen.Store(time.Now().UnixNano())
		verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "PONG":
		case "EVENT":
			c.events.Add(1)
			c.srv.events.Add(1)
		case "RESULT":
			seqStr, body, _ := strings.Cut(rest, " ")
			seq, _ := strconv.ParseUint(seqStr, 10, 64)
			c.srv.complete(seq, body)
		case "BYE":
			c.Close()
			return
		default:
			c.enqueue(frame{verb: "ERR", body: "unknown verb " + verb})
		}
	}
}

func (c *agentConn) writeLoop() {
	bw := bufio.NewWriter(c.nc)
	for {
		select {
		case f := <-c.outbox:
			c.nc.SetWriteDeadline(time.Now().Add(3 * time.Second))
			bw.WriteString(f.String())
			bw.WriteByte('\n')
			// coalesce whatever else is queued into the same flush
			for n := len(c.outbox); n > 0; n-- {
				f = <-c.outbox
				bw.WriteString(f.String())
				bw.WriteByte('\n')
			}
			if err := bw.Flush(); err != nil {
				c.Close()
				return
			}
		case <-c.done:
			return
		}
	}
}

// enqueue hands a frame to the writer without blocking the caller for long.
func (c *agentConn) enqueue(f frame) bool {
	select {
	case c.outbox <- f:
		return true
	case <-c.done:
		return false
	default:
		return false
	}
}

func (c *agentConn) Close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.nc.Close()
	})
}

// kick closes an idle agent's socket; readLoop notices and cleans up.
func (c *agentConn) kick() {
	c.kicked.Store(true)
	c.nc.Close()
}

func (s *tunnelServer) reaper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-s.cfg.idleKick).UnixNano()
		for _, c := range s.snapshot() {
			if c.lastSeen.Load() < cutoff {
				s.kicks.Add(1)
				c.kick()
			}
		}
	}
}

func (s *tunnelServer) pinger(ctx context.Context) {
	t := time.NewTicker(s.cfg.pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range s.snapshot() {
				c.enqueue(frame{verb: "PING", body: strconv.FormatInt(now.Unix(), 10)})
			}
		}
	}
}

// call sends a command to an agent and waits for its RESULT.
func (s *tunnelServer) call(ctx context.Context, id, cmd string) (string, error) {
	c := s.lookup(id)
	if c == nil {
		return "", fmt.Errorf("agent %s not connected", id)
	}
	ch := make(chan string, 1)
	s.pmu.Lock()
	s.nextSeq++
	seq := s.nextSeq
	s.pending[seq] = ch
	s.pmu.Unlock()
	defer func() {
		s.pmu.Lock()
		delete(s.pending, seq)
		s.pmu.Unlock()
	}()
	if !c.enqueue(frame{verb: "CMD", seq: seq, body: cmd}) {
		return "", fmt.Errorf("agent %s: outbox full", id)
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *tunnelServer) complete(seq uint64, body string) {
	s.pmu.Lock()
	ch := s.pending[seq]
	s.pmu.Unlock()
	if ch != nil {
		select {
		case ch <- body:
		default:
		}
	}
}
