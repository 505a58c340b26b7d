// control-conn-pairs (leak-free): a support desk's push server over local
// TCP. Each desk agent connects once and stays connected for its shift;
// the server starts a reader and a writer per connection (two `go`
// statements in serveConn: the reader waits on the socket, the writer in
// select on its outbox, a keep-alive ticker and the connection's end), and
// each agent's client reads pushes in a goroutine of its own. Agents come
// from a bounded roster of 40 and sign in ten per phase (10, 20, 30 at the
// snapshots): the three groups fill, every id stays, and closing a
// connection ends its reader, its writer and its client alike.
package main

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

const roster = 40

type conn struct {
	c    net.Conn
	out  chan string
	done chan struct{}
	once sync.Once
}

func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		c.c.Close()
	})
}

type Server struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[*conn]bool
}

func (s *Server) acceptLoop() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.serveConn(nc)
	}
}

func (s *Server) serveConn(nc net.Conn) {
	c := &conn{c: nc, out: make(chan string, 8), done: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	go s.readLoop(c)
	go s.writeLoop(c)
}

func (s *Server) readLoop(c *conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.close()
	}()
	r := bufio.NewReader(c.c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		select {
		case c.out <- "ack " + line:
		case <-c.done:
			return
		}
	}
}

func (s *Server) writeLoop(c *conn) {
	keepAlive := time.NewTicker(30 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case msg := <-c.out:
			if _, err := c.c.Write([]byte(msg)); err != nil {
				c.close()
				return
			}
		case <-keepAlive.C:
			if _, err := c.c.Write([]byte("ping\n")); err != nil {
				c.close()
				return
			}
		case <-c.done:
			return
		}
	}
}

// Agent is a desk agent's client: it signs in and reads pushes until its
// shift ends.
type Agent struct {
	name string
	c    net.Conn
}

func signIn(addr, name string) (*Agent, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	a := &Agent{name: name, c: c}
	if _, err := fmt.Fprintf(c, "hello %s\n", name); err != nil {
		return nil, err
	}
	go a.readPushes()
	return a, nil
}

func (a *Agent) readPushes() {
	r := bufio.NewReader(a.c)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &Server{ln: ln, conns: map[*conn]bool{}}
	go s.acceptLoop()
	var agents []*Agent
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10 && len(agents) < roster; i++ {
			a, err := signIn(ln.Addr().String(), fmt.Sprintf("agent-%d", len(agents)+1))
			if err != nil {
				panic(err)
			}
			agents = append(agents, a)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("control-conn-pairs")
	for _, a := range agents {
		a.c.Close()
	}
	ln.Close()
}
