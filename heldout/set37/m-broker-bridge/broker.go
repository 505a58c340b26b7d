package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// broker is a small in-process stand-in for the upstream message broker:
// consumers connect, send "SUB <topic> <group>", get "OK", and then receive
// "MSG <topic> <offset> <payload>" lines; they send "ACK <topic> <offsets>"
// and "PING <n>" (answered with "PONG <n>").
type broker struct {
	mu     sync.Mutex
	conns  map[*consumerConn]struct{}
	topics map[string]uint64 // next offset per topic

	published, restarts, kicked atomic.Int64
	acked                       atomic.Int64
}

type consumerConn struct {
	c     net.Conn
	topic string
	out   chan string
	done  chan struct{}
	once  sync.Once
}

func newBroker() *broker {
	return &broker{conns: make(map[*consumerConn]struct{}), topics: make(map[string]uint64)}
}

func (b *broker) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("broker: accept: %v", err)
			return
		}
		go b.handle(c)
	}
}

func (cc *consumerConn) close() {
	cc.once.Do(func() {
		close(cc.done)
		cc.c.Close()
	})
}

func (b *broker) handle(c net.Conn) {
	cc := &consumerConn{c: c, out: make(chan string, 256), done: make(chan struct{})}
	defer cc.close()

	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "SUB" {
		fmt.Fprintf(c, "ERR bad handshake\n")
		return
	}
	cc.topic = f[1]
	if _, err := fmt.Fprintf(c, "OK %s\n", f[2]); err != nil {
		return
	}

	b.mu.Lock()
	b.conns[cc] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.conns, cc)
		b.mu.Unlock()
	}()

	go cc.writeLoop()
	for {
		// Consumers ping every few seconds; a silent one is dead.
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PING":
			if len(f) > 1 {
				cc.send("PONG " + f[1])
			}
		case "ACK":
			if len(f) > 2 {
				b.acked.Add(int64(strings.Count(f[2], ",") + 1))
			}
		}
	}
}

func (cc *consumerConn) send(line string) bool {
	select {
	case cc.out <- line:
		return true
	case <-cc.done:
		return false
	default:
		return false // slow consumer: it will see the message on redelivery
	}
}

func (cc *consumerConn) writeLoop() {
	w := bufio.NewWriter(cc.c)
	for {
		select {
		case <-cc.done:
			return
		case line := <-cc.out:
			cc.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			w.WriteString(line)
			w.WriteByte('\n')
			for n := len(cc.out); n > 0; n-- {
				w.WriteString(<-cc.out)
				w.WriteByte('\n')
			}
			if err := w.Flush(); err != nil {
				cc.close()
				return
			}
		}
	}
}

func (b *broker) connCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns)
}

// produce publishes to the topics consumers are subscribed to, at a rate
// that grows through the run.
func (b *broker) produce(ctx context.Context) {
	start := time.Now()
	tk := time.NewTicker(50 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		perTick := 1 + int(time.Since(start)/(15*time.Second))
		b.mu.Lock()
		var targets []*consumerConn
		for cc := range b.conns {
			targets = append(targets, cc)
		}
		for i := 0; i < perTick && len(targets) > 0; i++ {
			cc := targets[rand.Intn(len(targets))]
			off := b.topics[cc.topic]
			b.topics[cc.topic] = off + 1
			if cc.send("MSG " + cc.topic + " " + strconv.FormatUint(off, 10) + " " + payload()) {
				b.published.Add(1)
			}
		}
		b.mu.Unlock()
	}
}

func payload() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	n := 16 + rand.Intn(48)
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = letters[rand.Intn(len(letters))]
	}
	return string(buf)
}

// chaos is the broker's operational life: consumer-group rebalances that
// kick some consumers off every few seconds, and a rolling restart of the
// broker node now and then that drops every consumer.
func (b *broker) chaos(ctx context.Context) {
	nextRestart := time.Now().Add(time.Duration(35+rand.Intn(15)) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(4000+rand.Intn(5000)) * time.Millisecond):
		}
		b.mu.Lock()
		var victims []*consumerConn
		restart := time.Now().After(nextRestart)
		for cc := range b.conns {
			if restart || rand.Intn(6) == 0 {
				victims = append(victims, cc)
			}
		}
		b.mu.Unlock()
		if restart {
			b.restarts.Add(1)
			nextRestart = time.Now().Add(time.Duration(35+rand.Intn(20)) * time.Second)
			log.Printf("broker: restarting node, dropping %d consumers", len(victims))
		}
		for _, cc := range victims {
			cc.close()
			b.kicked.Add(1)
		}
	}
}
