// select-no-exit--heartbeat-after-reader: a metrics shipper keeps TCP
// connections to its sink. dial starts two goroutines per connection, a
// reader (readLoop, blocked on the socket) and a heartbeat (select on the
// connection's done channel and a ticker). When the sink drops a
// connection the reader fails it (socket closed, waiters released) and the
// shipper redials, but only Close closes done, so the heartbeat of every
// dropped connection keeps ticking (+10 per snapshot). The reader and the
// heartbeat work for the same *sinkConn: the dump shows the reader gone and
// the heartbeat still there.
package main

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type sinkConn struct {
	id       int
	nc       net.Conn
	wmu      sync.Mutex
	done     chan struct{}
	failOnce sync.Once
	err      error
}

func dial(addr string, id int) (*sinkConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &sinkConn{id: id, nc: nc, done: make(chan struct{})}
	go c.readLoop()
	go c.heartbeat(20 * time.Second)
	return c, nil
}

func (c *sinkConn) readLoop() {
	br := bufio.NewReader(c.nc)
	for {
		if _, err := br.ReadString('\n'); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *sinkConn) heartbeat(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if err := c.writeLine("PING"); err != nil {
			continue // the shipper redials; keep trying
		}
	}
}

func (c *sinkConn) writeLine(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write([]byte(s + "\n"))
	return err
}

// fail tears the connection down after an I/O error. BUG: it does not
// close done, so the heartbeat never stops.
func (c *sinkConn) fail(err error) {
	c.failOnce.Do(func() {
		c.err = err
		c.nc.Close()
	})
}

func (c *sinkConn) Close() {
	close(c.done)
	c.fail(errors.New("closed"))
}

// sink accepts connections and drops them all on a rolling restart.
type sink struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (s *sink) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, nc)
		s.mu.Unlock()
		go func() {
			br := bufio.NewReader(nc)
			for {
				if _, err := br.ReadString('\n'); err != nil {
					return
				}
			}
		}()
	}
}

func (s *sink) restart() {
	s.mu.Lock()
	for _, nc := range s.conns {
		nc.Close()
	}
	s.conns = nil
	s.mu.Unlock()
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &sink{ln: ln}
	go s.serve()
	id := 0
	for k := 1; k <= 3; k++ {
		// The sink restarts: every connection drops; the shipper redials.
		s.restart()
		for i := 0; i < 10; i++ {
			id++
			if _, err := dial(ln.Addr().String(), id); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("select-no-exit--heartbeat-after-reader")
}
