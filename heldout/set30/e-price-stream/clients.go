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

// population simulates the terminals and bots that subscribe to the feed.
type population struct {
	addr  string
	start time.Time

	live, done, hsTimeouts atomic.Int64
}

func newPopulation(addr string, start time.Time) *population {
	return &population{addr: addr, start: start}
}

// run starts subscribers in bursts (a page of dashboards opening at once).
func (p *population) run(ctx context.Context) {
	for {
		gap := time.Duration(rand.ExpFloat64() * float64(1200*time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
		n := 1 + rand.Intn(6)
		if p.live.Load() > 90 {
			n = 1
		}
		for i := 0; i < n; i++ {
			k := 1 + rand.Intn(4)
			syms := make([]string, 0, k)
			for j := 0; j < k; j++ {
				syms = append(syms, instruments[rand.Intn(len(instruments))])
			}
			life := time.Duration(2000+rand.Intn(26000)) * time.Millisecond
			go p.subscriber(ctx, syms, life)
		}
	}
}

func (p *population) subscriber(ctx context.Context, syms []string, life time.Duration) {
	p.live.Add(1)
	defer p.live.Add(-1)
	defer p.done.Add(1)

	d := net.Dialer{Timeout: time.Second}
	nc, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return
	}
	br := bufio.NewReader(nc)

	// Handshake, with the client's own (short) timeout. On timeout the
	// terminal aborts the connection and tries again later.
	if rand.Intn(20) == 0 {
		fmt.Fprintf(nc, "SUB BOGUS\n")
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := br.ReadString('\n'); err != nil {
			nc.Close()
			return
		}
	}
	fmt.Fprintf(nc, "SUB %s\n", strings.Join(syms, ","))
	_ = nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	line, err := br.ReadString('\n')
	if err != nil {
		p.hsTimeouts.Add(1)
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		nc.Close()
		return
	}
	var id, n int
	if _, err := fmt.Sscanf(line, "OK %d %d", &id, &n); err != nil {
		nc.Close()
		return
	}
	for i := 0; i < n; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			nc.Close()
			return
		}
	}

	pingCtx, stopPing := context.WithCancel(ctx)
	go pinger(pingCtx, nc, 3*time.Second)

	deadline := time.Now().Add(life)
	graceful := rand.Intn(2) == 0
	for {
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		line, err := br.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				break
			}
		}
		if strings.HasPrefix(line, "BYE") {
			break
		}
		if time.Now().After(deadline) {
			if !graceful {
				break
			}
			stopPing()
			fmt.Fprintf(nc, "UNSUB\n")
			graceful = false
			deadline = time.Now().Add(2 * time.Second)
		}
	}
	stopPing()
	nc.Close()
}

func pinger(ctx context.Context, nc net.Conn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := fmt.Fprintf(nc, "PING\n"); err != nil {
				return
			}
		}
	}
}
