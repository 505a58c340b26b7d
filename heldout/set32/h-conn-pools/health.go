package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// healthProbe keeps one TCP connection to a backend's status listener
// and applies every status line it pushes to the upstream.
type healthProbe struct {
	up   *upstream
	addr string

	sessions int
}

func (p *healthProbe) run(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			p.sessions++
			backoff = 200 * time.Millisecond
			err = p.readLoop(ctx, conn)
			conn.Close()
		} else if backoff < 5*time.Second {
			backoff *= 2
		}
		p.up.markUnknown()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff + randDur(0, 100*time.Millisecond)):
		}
	}
}

// readLoop reads status lines until the backend rotates the session or
// the connection fails. A backend that stays silent for 10 s is dropped.
func (p *healthProbe) readLoop(ctx context.Context, conn net.Conn) error {
	br := bufio.NewReader(conn)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "BYE":
			return nil
		case "STATUS":
			if len(f) < 3 {
				return fmt.Errorf("%s: short status line %q", p.up.name, line)
			}
			reported := 0
			for _, kv := range f[3:] {
				if strings.HasPrefix(kv, "inflight=") {
					reported, _ = strconv.Atoi(strings.TrimPrefix(kv, "inflight="))
				}
			}
			p.up.observe(f[2], reported)
		default:
			return fmt.Errorf("%s: unexpected %q", p.up.name, f[0])
		}
	}
}
