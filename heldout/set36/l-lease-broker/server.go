package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// broker serves the lease table over a line protocol:
//
//	HELLO client            -> OK session
//	ACQ name ttl_ms wait_ms -> OK token | HELD | TIMEOUT
//	REN name token          -> OK | LOST
//	REL name token          -> OK | LOST
//	WATCH name wait_ms      -> FREE | CHANGED | TIMEOUT
//	BYE                     -> BYE
//
// Leases belong to the session that took them and are dropped when its
// connection goes away.
type broker struct {
	table   *leaseTable
	maxWait time.Duration
	idle    time.Duration

	nextSession uint64
	mu          sync.Mutex
	sessions    map[string]net.Conn
	accepted    int
	dropped     int
}

func newBroker(t *leaseTable) *broker {
	return &broker{table: t, maxWait: 95 * time.Second, idle: 2 * time.Minute, sessions: make(map[string]net.Conn)}
}

func (b *broker) serve(ctx context.Context, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("broker: accept: %v", err)
			}
			return
		}
		go b.handle(ctx, c)
	}
}

func (b *broker) handle(ctx context.Context, c net.Conn) {
	id := fmt.Sprintf("s%d", atomic.AddUint64(&b.nextSession, 1))
	b.mu.Lock()
	b.sessions[id] = c
	b.accepted++
	b.mu.Unlock()
	defer func() {
		c.Close()
		n := b.table.releaseOwner(id)
		b.mu.Lock()
		delete(b.sessions, id)
		b.dropped += n
		b.mu.Unlock()
	}()

	rd := bufio.NewReader(c)
	wr := bufio.NewWriter(c)
	for {
		c.SetReadDeadline(time.Now().Add(b.idle))
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		reply, quit := b.dispatch(ctx, id, strings.Fields(line))
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		wr.WriteString(reply)
		wr.WriteByte('\n')
		if err := wr.Flush(); err != nil || quit {
			return
		}
	}
}

func (b *broker) dispatch(ctx context.Context, session string, f []string) (reply string, quit bool) {
	if len(f) == 0 {
		return "ERR empty", false
	}
	ms := func(s string) time.Duration {
		n, _ := strconv.Atoi(s)
		return time.Duration(n) * time.Millisecond
	}
	switch {
	case f[0] == "HELLO":
		return "OK " + session, false
	case f[0] == "ACQ" && len(f) == 4:
		wait := ms(f[3])
		if wait > b.maxWait {
			wait = b.maxWait
		}
		l, err := b.table.acquire(ctx, f[1], session, ms(f[2]), wait)
		switch err {
		case nil:
			return "OK " + strconv.FormatUint(l.token, 10), false
		case errHeld:
			return "HELD", false
		default:
			return "TIMEOUT", false
		}
	case (f[0] == "REN" || f[0] == "REL") && len(f) == 3:
		tok, _ := strconv.ParseUint(f[2], 10, 64)
		var err error
		if f[0] == "REN" {
			err = b.table.renew(f[1], tok)
		} else {
			err = b.table.release(f[1], tok)
		}
		if err != nil {
			return "LOST", false
		}
		return "OK", false
	case f[0] == "WATCH" && len(f) == 3:
		wait := ms(f[2])
		if wait > b.maxWait {
			wait = b.maxWait
		}
		return b.table.watch(ctx, f[1], wait), false
	case f[0] == "BYE":
		return "BYE", true
	}
	return "ERR bad command", false
}

func (b *broker) sessionCount() (live, accepted, dropped int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sessions), b.accepted, b.dropped
}
