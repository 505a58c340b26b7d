package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

const handshakeTimeout = 5 * time.Second

type command struct {
	verb string
	args []string
	err  error
}

// subConn is one client connection. Its readLoop turns incoming lines into
// commands for the session goroutine; the session goroutine owns all writes.
type subConn struct {
	id uint64
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
	in chan command
}

func (c *subConn) readLoop() {
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			c.in <- command{err: err}
			return
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		c.in <- command{verb: strings.ToUpper(f[0]), args: f[1:]}
	}
}

func (c *subConn) send(format string, a ...interface{}) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c.bw, format, a...)
	return c.bw.Flush()
}

type streamServer struct {
	ctx   context.Context
	ln    net.Listener
	hub   *hub
	store *snapshotStore

	nextID        atomic.Uint64
	sessions      atomic.Int64
	welcomeFailed atomic.Int64
}

type serverStats struct {
	sessions, welcomeFailed int64
}

func newStreamServer(ctx context.Context, h *hub, st *snapshotStore) (*streamServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &streamServer{ctx: ctx, ln: ln, hub: h, store: st}, nil
}

func (s *streamServer) addr() string { return s.ln.Addr().String() }

func (s *streamServer) stats() serverStats {
	return serverStats{sessions: s.sessions.Load(), welcomeFailed: s.welcomeFailed.Load()}
}

func (s *streamServer) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		c := &subConn{
			id: s.nextID.Add(1),
			nc: nc,
			br: bufio.NewReader(nc),
			bw: bufio.NewWriter(nc),
			in: make(chan command),
		}
		go c.readLoop()
		go s.session(c)
	}
}

// session runs the handshake and then streams ticks. The connection is
// finished when readLoop reports an error; every other way out closes the
// socket and keeps looping until that report arrives.
func (s *streamServer) session(c *subConn) {
	defer c.nc.Close()
	s.sessions.Add(1)
	defer s.sessions.Add(-1)

	// --- handshake: wait for a valid SUB ---
	var topics []string
	hs := time.NewTimer(handshakeTimeout)
	defer hs.Stop()
	for topics == nil {
		select {
		case cmd := <-c.in:
			if cmd.err != nil {
				return
			}
			if cmd.verb != "SUB" || len(cmd.args) != 1 {
				_ = c.send("ERR expected SUB <sym,...>\n")
				continue
			}
			syms := strings.Split(cmd.args[0], ",")
			ok := true
			for _, sym := range syms {
				if !s.hub.valid(sym) {
					ok = false
					_ = c.send("ERR unknown instrument %s\n", sym)
					break
				}
			}
			if ok {
				topics = syms
			}
		case <-hs.C:
			c.nc.Close() // readLoop will report and we return above
		}
	}

	snap, err := s.store.Snapshot(s.ctx, topics)
	if err != nil {
		return
	}
	if err := c.welcome(snap); err != nil {
		s.welcomeFailed.Add(1)
		log.Printf("session %d: client went away during handshake: %v", c.id, err)
		return
	}

	sub := s.hub.subscribe(c.id, topics)
	defer s.hub.unsubscribe(sub)

	// --- streaming ---
	broken := false
	shutdown := s.ctx.Done()
	for {
		select {
		case t := <-sub.ch:
			if broken {
				continue
			}
			if err := c.send("MSG %s %d %.5f\n", t.Sym, t.Seq, t.Price); err != nil {
				broken = true
				c.nc.Close()
			}
		case cmd := <-c.in:
			if cmd.err != nil {
				return
			}
			switch cmd.verb {
			case "PING":
				if err := c.send("PONG\n"); err != nil {
					broken = true
					c.nc.Close()
				}
			case "UNSUB":
				_ = c.send("BYE\n")
				broken = true
				// the client closes after BYE; readLoop then reports EOF
			default:
				_ = c.send("ERR unexpected %s\n", cmd.verb)
			}
		case <-shutdown:
			c.nc.Close()
			shutdown = nil // keep waiting for readLoop only
		}
	}
}

func (c *subConn) welcome(snap []tick) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c.bw, "OK %d %d\n", c.id, len(snap))
	for _, t := range snap {
		fmt.Fprintf(c.bw, "SNAP %s %d %.5f\n", t.Sym, t.Seq, t.Price)
	}
	return c.bw.Flush()
}
