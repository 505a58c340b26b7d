// net-conn-not-closed--client-reader: Subscribe dials a feed hub on
// 127.0.0.1 and starts the subscription's reader through a method value
// (`read := s.readLoop; go read()`); (*Feed).Watch drops a duplicate
// subscription without Close, so its readLoop stays in IO wait under
// net.(*conn).Read (the hub keeps its end open and pushes nothing).
package main

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

// Hub accepts subscribers, greets them and keeps their connections for
// broadcasts; it has no goroutine per connection.
type Hub struct {
	mu   sync.Mutex
	subs []net.Conn
}

func (h *Hub) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		fmt.Fprint(c, "HELLO feed/1\n")
		h.mu.Lock()
		h.subs = append(h.subs, c)
		h.mu.Unlock()
	}
}

type Subscription struct {
	topic string
	conn  net.Conn
	onMsg func(topic, msg string)
}

func (s *Subscription) readLoop() {
	sc := bufio.NewScanner(s.conn)
	for sc.Scan() {
		s.onMsg(s.topic, sc.Text())
	}
}

func (s *Subscription) Close() error { return s.conn.Close() }

func Subscribe(addr, topic string, onMsg func(string, string)) (*Subscription, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	s := &Subscription{topic: topic, conn: conn, onMsg: onMsg}
	read := s.readLoop
	go read()
	if _, err := fmt.Fprintf(conn, "SUB %s\n", topic); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

type Feed struct {
	addr string
	subs map[string]*Subscription
	msgs int64
}

func (f *Feed) onMsg(topic, msg string) { atomic.AddInt64(&f.msgs, 1) }

func (f *Feed) Watch(topic string) error {
	sub, err := Subscribe(f.addr, topic, f.onMsg)
	if err != nil {
		return err
	}
	if _, dup := f.subs[topic]; dup {
		return fmt.Errorf("already watching %s", topic)
	}
	f.subs[topic] = sub
	return nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	hub := &Hub{}
	go hub.accept(ln)
	f := &Feed{addr: ln.Addr().String(), subs: map[string]*Subscription{}}
	topics := []string{"orders", "payments", "refunds"}
	for k := 1; k <= 3; k++ {
		n := 10
		if k == 1 {
			n = 13 // the first three are the real subscriptions
		}
		for i := 0; i < n; i++ {
			if err := f.Watch(topics[i%len(topics)]); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("net-conn-not-closed--client-reader")
}
