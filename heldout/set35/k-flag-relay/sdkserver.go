package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The SDK stream is a line protocol on TCP:
//
//	client: HELLO <env> <sdk-key>      relay: FLAGS <version> <bytes>\n<json>
//	client: PONG <ts>                  relay: PING <ts>
//	client: EVAL <count>               relay: BYE <reason>
//
// The relay pings every heartbeat period; a client that sends nothing for
// three periods is dropped.
const heartbeatEvery = 5 * time.Second

type sdkSession struct {
	id    int64
	conn  net.Conn
	cache *envCache
	kick  chan struct{}

	closeOnce sync.Once
	closed    chan struct{}
	reason    string
}

func (s *sdkSession) nudge() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *sdkSession) close(reason string) {
	s.closeOnce.Do(func() {
		s.reason = reason
		close(s.closed)
		s.conn.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(s.conn, "BYE %s\n", reason)
		s.conn.Close()
	})
}

func (r *relay) acceptSDK(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("relay: accept: %v", err)
			return
		}
		go r.serveSDK(c)
	}
}

func (r *relay) serveSDK(c net.Conn) {
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	hello, err := br.ReadString('\n')
	f := strings.Fields(hello)
	if err != nil || len(f) != 3 || f[0] != "HELLO" {
		c.Close()
		return
	}
	cache := r.lookup(f[1])
	if cache == nil {
		fmt.Fprintf(c, "BYE unknown environment\n")
		c.Close()
		return
	}
	s := &sdkSession{
		id:     r.sessionsTotal.Add(1),
		conn:   c,
		cache:  cache,
		kick:   make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
	if !cache.subscribe(s) {
		s.close("environment retired")
		return
	}
	r.sessions.Add(1)
	defer r.sessions.Add(-1)
	defer cache.unsubscribe(s)
	defer s.close("bye")

	s.nudge() // send the current flags straight away
	go s.writeLoop()

	for {
		c.SetReadDeadline(time.Now().Add(3 * heartbeatEvery))
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "PONG":
			r.pongs.Add(1)
		case "EVAL":
			n, _ := strconv.Atoi(f[1])
			r.evals.Add(int64(n))
		}
	}
}

// writeLoop is the only writer of a session after the handshake: it sends
// the flags whenever the cache moves past what the client has, and a ping
// every heartbeat period.
func (s *sdkSession) writeLoop() {
	tk := time.NewTicker(heartbeatEvery)
	defer tk.Stop()
	sent := 0
	bw := bufio.NewWriter(s.conn)
	for {
		select {
		case <-s.closed:
			return
		case <-s.kick:
			v, payload := s.cache.current()
			if v <= sent {
				continue
			}
			fmt.Fprintf(bw, "FLAGS %d %d\n", v, len(payload))
			bw.Write(payload)
			bw.WriteByte('\n')
			sent = v
		case now := <-tk.C:
			fmt.Fprintf(bw, "PING %d\n", now.UnixNano())
		}
		s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := bw.Flush(); err != nil {
			s.close("write failed")
			return
		}
	}
}
