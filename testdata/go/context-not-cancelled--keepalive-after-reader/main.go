// context-not-cancelled--keepalive-after-reader: a feed client subscribes
// to topics over local TCP. (*Stream).Start runs two goroutines for each
// stream: recv, which reads updates from the socket, and keepAlive, which
// pings every 15 s until the stream's context is done. recv returns when
// the server ends the stream, but only Close cancels the context, and
// nothing calls Close for a stream the server ended, so each ended
// stream's keepAlive waits in its select forever (+12 per snapshot).
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Stream struct {
	topic   string
	conn    net.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	updates int
}

func Subscribe(parent context.Context, addr, topic string) (*Stream, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(conn, "SUB %s\n", topic); err != nil {
		conn.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(parent)
	s := &Stream{topic: topic, conn: conn, ctx: ctx, cancel: cancel}
	s.Start()
	return s, nil
}

func (s *Stream) Start() {
	go s.recv()
	go s.keepAlive(15 * time.Second)
}

// recv returns when the server ends the stream. BUG: it should call
// s.Close() (or s.cancel()) on its way out.
func (s *Stream) recv() {
	r := bufio.NewReader(s.conn)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			s.conn.Close()
			return
		}
		s.mu.Lock()
		s.updates++
		s.mu.Unlock()
	}
}

func (s *Stream) keepAlive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			fmt.Fprintf(s.conn, "PING\n")
		}
	}
}

func (s *Stream) Close() {
	s.cancel()
	s.conn.Close()
}

// feedServer sends an update to each subscriber and ends every stream
// after a while (a rebalance).
type feedServer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (f *feedServer) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		fmt.Fprintf(c, "UPDATE 1\n")
	}
}

func (f *feedServer) rebalance() {
	f.mu.Lock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	f := &feedServer{}
	go f.accept(ln)
	ctx := context.Background()
	for k := 1; k <= 3; k++ {
		f.rebalance()
		for i := 0; i < 12; i++ {
			if _, err := Subscribe(ctx, ln.Addr().String(), fmt.Sprintf("prices.%d", i)); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("context-not-cancelled--keepalive-after-reader")
}
