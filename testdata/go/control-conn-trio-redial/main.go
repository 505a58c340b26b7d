// control-conn-trio-redial (leak-free): a cache client keeps a pool of TCP
// connections to its cache nodes that grows as nodes join (8, 16, 24 live
// at the snapshots). newNodeConn starts three goroutines per *nodeConn:
// readLoop (replies off the socket), writeLoop (drains the request queue
// into the socket) and keepAlive (a ticker loop queueing a NOOP). The
// nodes drop a few connections every phase and the pool redials them.
// readLoop cancels the connection's context on its way out and both
// helpers select on ctx.Done(), so all three goroutines of a dropped
// connection exit together; the live connections stay.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type nodeConn struct {
	node   string
	nc     net.Conn
	ctx    context.Context
	cancel context.CancelFunc
	reqs   chan string
	down   chan<- *nodeConn

	mu      sync.Mutex
	replies int
	misses  int
}

func newNodeConn(parent context.Context, addr, node string, down chan<- *nodeConn) (*nodeConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(nc)
	fmt.Fprintf(nc, "HELLO %s\n", node)
	if line, err := br.ReadString('\n'); err != nil || strings.TrimSpace(line) != "WELCOME" {
		nc.Close()
		return nil, fmt.Errorf("%s: bad greeting %q: %v", node, line, err)
	}
	ctx, cancel := context.WithCancel(parent)
	c := &nodeConn{node: node, nc: nc, ctx: ctx, cancel: cancel, reqs: make(chan string, 32), down: down}
	go c.readLoop(br)
	go c.writeLoop()
	go c.keepAlive(15 * time.Second)
	return c, nil
}

func (c *nodeConn) readLoop(br *bufio.Reader) {
	defer func() {
		c.cancel()
		c.nc.Close()
		c.down <- c
	}()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		c.mu.Lock()
		switch {
		case strings.HasPrefix(line, "VALUE "):
			c.replies++
		case strings.HasPrefix(line, "MISS"):
			c.misses++
		}
		c.mu.Unlock()
	}
}

func (c *nodeConn) writeLoop() {
	bw := bufio.NewWriter(c.nc)
	for {
		select {
		case <-c.ctx.Done():
			return
		case req := <-c.reqs:
			bw.WriteString(req)
			bw.WriteByte('\n')
			// Batch whatever else is queued before flushing.
			for n := len(c.reqs); n > 0; n-- {
				bw.WriteString(<-c.reqs)
				bw.WriteByte('\n')
			}
			if err := bw.Flush(); err != nil {
				c.nc.Close() // readLoop sees it and cancels
				return
			}
		}
	}
}

func (c *nodeConn) keepAlive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			select {
			case c.reqs <- "NOOP":
			default: // requests are flowing anyway
			}
		}
	}
}

func (c *nodeConn) get(key string) bool {
	select {
	case c.reqs <- "GET " + key:
		return true
	case <-c.ctx.Done():
		return false
	}
}

type pool struct {
	addr  string
	ctx   context.Context
	down  chan *nodeConn
	mu    sync.Mutex
	conns map[string]*nodeConn
}

func (p *pool) add(node string) error {
	c, err := newNodeConn(p.ctx, p.addr, node, p.down)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.conns[node] = c
	p.mu.Unlock()
	c.get("warmup:" + node)
	return nil
}

// redial replaces n dropped connections as their readers report them.
func (p *pool) redial(n int) error {
	for i := 0; i < n; i++ {
		select {
		case c := <-p.down:
			if err := p.add(c.node); err != nil {
				return err
			}
		case <-time.After(5 * time.Second):
			return fmt.Errorf("only %d of %d dropped connections reported", i, n)
		}
	}
	return nil
}

// nodes answers GETs and drops connections on demand.
type nodes struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *nodes) serve(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go s.handle(nc)
	}
}

func (s *nodes) handle(nc net.Conn) {
	br := bufio.NewReader(nc)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HELLO ") {
		nc.Close()
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, nc)
	s.mu.Unlock()
	fmt.Fprintf(nc, "WELCOME\n")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(line, "GET ") {
			fmt.Fprintf(nc, "VALUE %s", strings.TrimPrefix(line, "GET "))
		}
	}
}

// drop closes every third connection, up to n.
func (s *nodes) drop(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.conns[:0]
	dropped := 0
	for i, nc := range s.conns {
		if i%3 == 0 && dropped < n {
			nc.Close()
			dropped++
			continue
		}
		kept = append(kept, nc)
	}
	s.conns = kept
	return dropped
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &nodes{}
	go s.serve(ln)
	p := &pool{addr: ln.Addr().String(), ctx: context.Background(), down: make(chan *nodeConn, 64), conns: make(map[string]*nodeConn)}
	node := 0
	for k := 1; k <= 3; k++ {
		// The nodes drop a few connections (3, then 5) and the pool
		// redials them; eight nodes join per phase.
		if err := p.redial(s.drop(2*k - 1)); err != nil {
			panic(err)
		}
		for i := 0; i < 8; i++ {
			node++
			if err := p.add(fmt.Sprintf("cache-%02d", node)); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("control-conn-trio-redial")
}
