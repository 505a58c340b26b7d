// control-conn-pair-redial (leak-free): a replication client keeps a pool
// of TCP links to its peers that grows as peers join (10, 20, 30 at the
// snapshots). dial starts a reader and a heartbeat per link (the same
// *link); the peers drop some links at every phase and the client redials
// them. A dropped link's reader closes its done channel on the way out,
// so its heartbeat ends with it: both goroutines of a dropped link exit
// together, and the links alive stay.
package main

import (
	"bufio"
	"net"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type link struct {
	nc       net.Conn
	done     chan struct{}
	once     sync.Once
	lastRead time.Time
	lines    int
}

func dial(addr string) (*link, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &link{nc: nc, done: make(chan struct{})}
	go l.reader()
	go l.heartbeat(20 * time.Second)
	return l, nil
}

func (l *link) shutdown() {
	l.once.Do(func() {
		close(l.done)
		l.nc.Close()
	})
}

func (l *link) reader() {
	defer l.shutdown()
	br := bufio.NewReader(l.nc)
	for {
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
		l.lastRead = time.Now()
		l.lines++
	}
}

func (l *link) heartbeat(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			if _, err := l.nc.Write([]byte("PING\n")); err != nil {
				l.shutdown()
				return
			}
		}
	}
}

type peers struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (p *peers) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, nc)
		p.mu.Unlock()
	}
}

// drop closes n of the peers' connections.
func (p *peers) drop(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > len(p.conns) {
		n = len(p.conns)
	}
	for _, nc := range p.conns[:n] {
		nc.Close()
	}
	p.conns = p.conns[n:]
	return n
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	p := &peers{}
	go p.accept(ln)
	for k := 1; k <= 3; k++ {
		// Four links drop and are redialled; ten peers join.
		redial := p.drop(4)
		for i := 0; i < redial+10; i++ {
			if _, err := dial(ln.Addr().String()); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("control-conn-pair-redial")
}
