// net-conn-not-closed--server-read-loop: a line-protocol server on
// 127.0.0.1 starts `go s.handle(c)` per connection; handle reads commands
// with bufio in a loop with no read deadline and never closes idle
// connections, so every client that goes quiet keeps a goroutine in
// IO wait under net.(*conn).Read.
package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Server struct {
	ln       net.Listener
	commands int64
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

func (s *Server) handle(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		atomic.AddInt64(&s.commands, 1)
		switch cmd := strings.TrimSpace(line); cmd {
		case "PING":
			fmt.Fprint(c, "PONG\n")
		default:
			fmt.Fprintf(c, "ERR unknown %q\n", cmd)
		}
	}
}

// agent is a monitoring client that pings once and then sits idle on its
// connection.
func agent(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprint(c, "PING\n")
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &Server{ln: ln}
	go s.serve()
	var idle []net.Conn
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c, err := agent(ln.Addr().String())
			if err != nil {
				fmt.Println(err)
				continue
			}
			idle = append(idle, c)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("net-conn-not-closed--server-read-loop")
	_ = idle
}
