package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pushServer accepts reader connections. Each connection is a session
// with a reader loop (commands from the client), a writer that drains the
// session's queue, and a heartbeat that pings the client and drops it when
// it stops answering.
type pushServer struct {
	hub     *hub
	digests *digester
	stats   *stats
	nextID  atomic.Int64
}

type pushSession struct {
	id    int64
	srv   *pushServer
	conn  net.Conn
	out   chan string
	done  chan struct{}
	once  sync.Once
	wmu   sync.Mutex
	alive atomic.Int64 // unix nanos of the last PONG
}

func (ps *pushServer) serve(ctx context.Context, ln net.Listener) {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("push: accept: %v", err)
			}
			return
		}
		s := &pushSession{
			id:   ps.nextID.Add(1),
			srv:  ps,
			conn: conn,
			out:  make(chan string, 16),
			done: make(chan struct{}),
		}
		s.alive.Store(time.Now().UnixNano())
		go s.serve(ctx)
	}
}

func (s *pushSession) serve(ctx context.Context) {
	s.srv.stats.sessions.Add(1)
	defer s.srv.stats.sessions.Add(-1)
	defer s.close()

	go s.writeLoop()
	go s.heartbeat(2*time.Second, 10*time.Second)

	sc := bufio.NewScanner(s.conn)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "SUB":
			s.srv.hub.subscribe(s, fields[1:])
			s.offer(fmt.Sprintf("OK %d", len(fields)-1), time.Second)
		case "PONG":
			s.alive.Store(time.Now().UnixNano())
		case "DIGEST":
			s.digest(ctx, fields[1:])
		case "BYE":
			return
		}
	}
}

func (s *pushSession) close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.hub.unsubscribe(s)
		s.conn.Close()
	})
}

// offer queues a line for the writer, waiting up to wait if the queue is
// full. It gives up once the session is closed.
func (s *pushSession) offer(line string, wait time.Duration) bool {
	select {
	case s.out <- line:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s.out <- line:
		return true
	case <-s.done:
		return false
	case <-t.C:
		s.srv.stats.dropped.Add(1)
		return false
	}
}

func (s *pushSession) writeLoop() {
	for {
		select {
		case <-s.done:
			return
		case line := <-s.out:
			if err := s.writeLine(line); err != nil {
				s.close()
				return
			}
		}
	}
}

func (s *pushSession) writeLine(line string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, err := fmt.Fprintln(s.conn, line)
	return err
}

func (s *pushSession) heartbeat(every, deadAfter time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, s.alive.Load())) > deadAfter {
				log.Printf("push: session %d missed heartbeats, closing", s.id)
				s.close()
				return
			}
			if err := s.writeLine(fmt.Sprintf("PING %d", now.UnixNano())); err != nil {
				s.close()
				return
			}
		}
	}
}

// digest builds a summary of the requested feeds in a child goroutine and
// waits for it, up to three seconds.
func (s *pushSession) digest(ctx context.Context, feeds []string) {
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res := make(chan string, 1)
	go func() {
		res <- s.srv.digests.build(dctx, feeds)
	}()
	select {
	case d := <-res:
		s.offer(d, time.Second)
	case <-dctx.Done():
		s.offer("DIGEST timeout", time.Second)
	case <-s.done:
	}
}

// digester renders digests; rendering each feed's section takes a while.
type digester struct {
	store *itemStore
	sem   sync.Mutex // the renderer is single-threaded
}

func (d *digester) build(ctx context.Context, feeds []string) string {
	var b strings.Builder
	b.WriteString("DIGEST")
	for _, f := range feeds {
		items := d.store.latest(f, 3)
		d.sem.Lock()
		ok := pause(ctx, time.Duration(20+len(items)*25)*time.Millisecond)
		d.sem.Unlock()
		if !ok {
			break
		}
		fmt.Fprintf(&b, " %s:%d", f, len(items))
	}
	return b.String()
}
