package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ingestGateway stands in for the remote metrics backend: a line protocol
// over TCP (HELLO, PING/PONG, BATCH seq n + n lines -> ACK/NACK seq). It
// behaves like a real one behind a load balancer: it closes connections
// that stay idle, the balancer drains all connections on a rolling restart,
// the occasional connection is reset mid-batch, and the storage layer
// stalls for a few seconds now and then.
type ingestGateway struct {
	ln          net.Listener
	idleTimeout time.Duration

	mu         sync.Mutex
	conns      map[net.Conn]struct{}
	stallUntil time.Time
	store      map[string]float64

	batches atomic.Int64
	lines   atomic.Int64
	resets  atomic.Int64
}

func newIngestGateway() (*ingestGateway, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &ingestGateway{
		ln:          ln,
		idleTimeout: 10 * time.Second,
		conns:       make(map[net.Conn]struct{}),
		store:       make(map[string]float64),
	}, nil
}

func (g *ingestGateway) Addr() string { return g.ln.Addr().String() }

func (g *ingestGateway) serve() {
	for {
		nc, err := g.ln.Accept()
		if err != nil {
			log.Printf("gateway: accept: %v", err)
			return
		}
		g.mu.Lock()
		g.conns[nc] = struct{}{}
		g.mu.Unlock()
		go g.handle(nc)
	}
}

func (g *ingestGateway) handle(nc net.Conn) {
	defer func() {
		g.mu.Lock()
		delete(g.conns, nc)
		g.mu.Unlock()
		nc.Close()
	}()
	br := bufio.NewReaderSize(nc, 32<<10)
	bw := bufio.NewWriter(nc)
	for {
		nc.SetReadDeadline(time.Now().Add(g.idleTimeout))
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "HELLO":
		case "PING":
			bw.WriteString("PONG\n")
		case "BATCH":
			s, n, _ := strings.Cut(rest, " ")
			seq, _ := strconv.ParseUint(s, 10, 64)
			count, _ := strconv.Atoi(n)
			lines := make([]string, 0, count)
			for i := 0; i < count; i++ {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				lines = append(lines, l)
			}
			if chance(0.015) {
				// connection reset by the balancer mid-request
				g.resets.Add(1)
				return
			}
			if chance(0.005) {
				fmt.Fprintf(bw, "NACK %d overloaded\n", seq)
				break
			}
			g.commit(lines)
			fmt.Fprintf(bw, "ACK %d\n", seq)
		default:
			fmt.Fprintf(bw, "ERR unknown verb %q\n", verb)
		}
		nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

// commit stores a batch; while the storage layer is stalled it waits the
// stall out first.
func (g *ingestGateway) commit(lines []string) {
	g.mu.Lock()
	wait := time.Until(g.stallUntil)
	g.mu.Unlock()
	if wait > 0 {
		time.Sleep(wait)
	}
	g.mu.Lock()
	for _, l := range lines {
		if i := strings.IndexByte(l, ' '); i > 0 {
			g.store[l[:i]]++
		}
	}
	g.mu.Unlock()
	g.batches.Add(1)
	g.lines.Add(int64(len(lines)))
}

// drainAll is what a rolling restart of the backend looks like from here:
// every open connection is closed by the balancer.
func (g *ingestGateway) drainAll() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	for nc := range g.conns {
		nc.Close()
	}
	return len(g.conns)
}

// ops simulates the backend's operational life: rolling restarts every
// 15-22 s and storage stalls of 2.5-4 s every 25-35 s.
func (g *ingestGateway) ops(stop <-chan struct{}) {
	restart := time.NewTimer(between(12*time.Second, 18*time.Second))
	stall := time.NewTimer(between(22*time.Second, 30*time.Second))
	defer restart.Stop()
	defer stall.Stop()
	for {
		select {
		case <-stop:
			return
		case <-restart.C:
			n := g.drainAll()
			log.Printf("gateway: rolling restart, drained %d connections", n)
			restart.Reset(between(15*time.Second, 22*time.Second))
		case <-stall.C:
			d := between(2500*time.Millisecond, 4*time.Second)
			g.mu.Lock()
			g.stallUntil = time.Now().Add(d)
			g.mu.Unlock()
			log.Printf("gateway: storage stall for %v", d.Round(time.Millisecond))
			stall.Reset(between(25*time.Second, 35*time.Second))
		}
	}
}
