package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

type consoleKind int

const (
	onCall    consoleKind = iota // stays for the whole incident
	dropIn                       // looks for a while, then QUITs
	laptopLid                    // connection dies without a goodbye
	zombie                       // tab left open behind a dead proxy: silent
	noAuth                       // misconfigured client that never authenticates
)

// consoleSim connects on-call consoles over the run.
type consoleSim struct {
	addr string
	live atomic.Int64
	seq  atomic.Int64
}

func (cs *consoleSim) run(ctx context.Context) {
	for i := 0; i < 3; i++ {
		cs.spawn(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(1000+rand.Intn(1500)) * time.Millisecond):
		}
		if cs.live.Load() < 60 {
			cs.spawn(ctx)
		}
	}
}

func (cs *consoleSim) spawn(ctx context.Context) {
	var k consoleKind
	switch r := rand.Intn(100); {
	case r < 40:
		k = onCall
	case r < 65:
		k = dropIn
	case r < 80:
		k = laptopLid
	case r < 92:
		k = zombie
	default:
		k = noAuth
	}
	n := cs.seq.Add(1)
	go func() {
		cs.live.Add(1)
		defer cs.live.Add(-1)
		c := &console{user: fmt.Sprintf("oncall-%d", n), kind: k, addr: cs.addr}
		c.run(ctx)
	}()
}

type console struct {
	user string
	kind consoleKind
	addr string
	got  int
}

func (c *console) run(ctx context.Context) {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return
	}
	defer conn.Close()

	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		br := bufio.NewReader(conn)
		for {
			conn.SetReadDeadline(time.Now().Add(time.Minute))
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			select {
			case lines <- strings.TrimSpace(l):
			default:
			}
		}
	}()

	say := func(s string) bool {
		conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, err := fmt.Fprintf(conn, "%s\n", s)
		return err == nil
	}
	if c.kind != noAuth {
		say("AUTH " + c.user)
		var subs []string
		for _, i := range rand.Perm(len(topics))[:2+rand.Intn(3)] {
			subs = append(subs, topics[i])
		}
		say("SUB " + strings.Join(subs, ","))
	}

	var life time.Duration
	switch c.kind {
	case onCall:
		life = 30 * time.Minute
	case dropIn:
		life = time.Duration(8+rand.Intn(35)) * time.Second
	case laptopLid:
		life = time.Duration(5+rand.Intn(20)) * time.Second
	case zombie:
		life = time.Duration(4+rand.Intn(10)) * time.Second
	case noAuth:
		life = time.Minute
	}
	end := time.NewTimer(life)
	defer end.Stop()
	silent := false
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-lines:
			if !ok {
				return // server closed us
			}
			if silent {
				continue
			}
			switch {
			case strings.HasPrefix(l, "HB "):
				say("PONG")
			case strings.HasPrefix(l, "ALERT "):
				c.got++
				if c.got%5 == 0 {
					f := strings.Fields(l)
					say("ACK " + f[1])
				}
			}
		case <-end.C:
			switch c.kind {
			case dropIn:
				say("QUIT")
				time.Sleep(100 * time.Millisecond)
				return
			case laptopLid:
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				return
			case zombie:
				silent = true // keep the socket, stop answering
			default:
				return
			}
		}
	}
}
