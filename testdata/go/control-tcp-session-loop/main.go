// control-tcp-session-loop (leak-free): a line-protocol counter service on
// 127.0.0.1 with one session goroutine per TCP connection. The session
// reads one request line after the other with bufio and hands each to a
// per-request handler that queues it for the dispatcher goroutine and
// waits for the reply or for its timer. The clients keep their
// connections open and open more at every step, 2 → 5 → 9, sending
// requests continuously over all of them, so the session goroutines keep
// their ids from snapshot to snapshot while they serve request after
// request. Each snapshot is taken in the middle of a step while the
// dispatcher's table is held for a stats dump: every session is caught
// waiting for its reply. At the end the clients close their connections,
// the listener is closed, the sessions return and the dispatcher stops.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type request struct {
	op    string
	key   string
	reply chan string // buffered: the dispatcher never waits for a session
}

// Dispatcher owns the counters; every request goes through it in order
// and is acknowledged once its journal record is synced.
type Dispatcher struct {
	requests chan *request
	mu       sync.Mutex // held while a request is applied, or for a stats dump
	counters map[string]int
	applied  int64
	syncTime time.Duration
	quit     chan struct{}
	done     chan struct{}
}

func NewDispatcher(syncTime time.Duration) *Dispatcher {
	d := &Dispatcher{
		requests: make(chan *request, 64),
		counters: map[string]int{},
		syncTime: syncTime,
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go d.run()
	return d
}

func (d *Dispatcher) run() {
	defer close(d.done)
	for {
		select {
		case req := <-d.requests:
			reply := d.apply(req)
			d.syncJournal()
			req.reply <- reply
		case <-d.quit:
			return
		}
	}
}

func (d *Dispatcher) apply(req *request) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	atomic.AddInt64(&d.applied, 1)
	switch req.op {
	case "INCR":
		d.counters[req.key]++
		return strconv.Itoa(d.counters[req.key])
	case "GET":
		return strconv.Itoa(d.counters[req.key])
	}
	return "ERR unknown op " + req.op
}

// syncJournal waits for the journal record to reach the disk.
func (d *Dispatcher) syncJournal() {
	time.Sleep(d.syncTime)
}

// Stats runs fn with the counters held still.
func (d *Dispatcher) Stats(fn func(keys int)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fn(len(d.counters))
}

func (d *Dispatcher) Applied() int64 { return atomic.LoadInt64(&d.applied) }

func (d *Dispatcher) Stop() {
	close(d.quit)
	<-d.done
}

type Server struct {
	ln       net.Listener
	dispatch *Dispatcher
	timeout  time.Duration
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.session(c)
	}
}

// session serves one connection: a request line in, a reply line out.
func (s *Server) session(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		reply := s.handle(strings.TrimSpace(line))
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		w.WriteString(reply)
		w.WriteByte('\n')
		if err := w.Flush(); err != nil {
			return
		}
	}
}

// handle queues one request for the dispatcher and waits for its reply.
func (s *Server) handle(line string) string {
	op, key, _ := strings.Cut(line, " ")
	req := &request{op: op, key: key, reply: make(chan string, 1)}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case s.dispatch.requests <- req:
	case <-t.C:
		return "ERR busy"
	}
	select {
	case reply := <-req.reply:
		return reply
	case <-t.C:
		return "ERR timeout"
	}
}

// Close stops accepting, closes every session's connection and waits.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// ClientConn is one client connection, used by one sender at a time.
type ClientConn struct {
	id   int
	conn net.Conn
	r    *bufio.Reader
	sent int64 // requests answered in the current step
}

func (cc *ClientConn) Call(op, key string) (string, error) {
	cc.conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := fmt.Fprintf(cc.conn, "%s %s\n", op, key); err != nil {
		return "", err
	}
	line, err := cc.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "ERR") {
		return "", errors.New(line)
	}
	return line, nil
}

// send makes n requests over the connection, one after the other.
func (cc *ClientConn) send(n int, failures *int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		op := "INCR"
		if i%4 == 3 {
			op = "GET"
		}
		if _, err := cc.Call(op, fmt.Sprintf("page-%d", (cc.id*7+i)%23)); err != nil {
			atomic.AddInt64(failures, 1)
		}
		atomic.AddInt64(&cc.sent, 1)
	}
}

// busiest reports the most requests any connection has had answered in
// the current step.
func busiest(clients []*ClientConn) int64 {
	var most int64
	for _, cc := range clients {
		if n := atomic.LoadInt64(&cc.sent); n > most {
			most = n
		}
	}
	return most
}

func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	d := NewDispatcher(500 * time.Microsecond)
	srv := &Server{ln: ln, dispatch: d, timeout: 8 * time.Second, conns: map[net.Conn]struct{}{}}
	srv.wg.Add(1)
	go srv.acceptLoop()

	const perConn = 200
	var failures int64
	var clients []*ClientConn
	steps := []int{2, 5, 9} // open connections at each step
	for k, total := range steps {
		for len(clients) < total {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
			if err != nil {
				fatal(err)
			}
			clients = append(clients, &ClientConn{id: len(clients), conn: c, r: bufio.NewReader(c)})
		}
		var wg sync.WaitGroup
		for _, cc := range clients {
			atomic.StoreInt64(&cc.sent, 0)
			wg.Add(1)
			go cc.send(perConn, &failures, &wg)
		}
		// Once the busiest connection is a quarter of the way through, a
		// stats dump holds the counters: no sender has finished, and every
		// session is waiting for its reply when the snapshot is taken.
		waitUntil(10*time.Second, func() bool { return busiest(clients) >= perConn/4 })
		d.Stats(func(keys int) {
			snap.Settle()
			snap.Goroutines(k + 1)
			fmt.Printf("step %d: %d connections, %d keys\n", k+1, total, keys)
		})
		wg.Wait()
	}
	for _, cc := range clients {
		cc.conn.Close()
	}
	srv.Close()
	d.Stop()
	if failures > 0 || d.Applied() != int64(steps[0]+steps[1]+steps[2])*perConn {
		fmt.Fprintf(os.Stderr, "%d requests failed, %d applied\n", failures, d.Applied())
		os.Exit(1)
	}
	if !waitUntil(5*time.Second, func() bool { return runtime.NumGoroutine() == 1 }) {
		fmt.Fprintf(os.Stderr, "%d goroutines left behind\n", runtime.NumGoroutine())
		os.Exit(1)
	}
	snap.Finish("control-tcp-session-loop")
}
