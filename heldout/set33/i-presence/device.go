package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

type deviceKind int

const (
	// kindActive: foreground app, heartbeats every few seconds.
	kindActive deviceKind = iota
	// kindBackground: app suspended right after login; it keeps the socket
	// but sends nothing until the server expires the session.
	kindBackground
	// kindFlaky: heartbeats, but its network drops every now and then.
	kindFlaky
)

func (k deviceKind) String() string {
	switch k {
	case kindActive:
		return "active"
	case kindBackground:
		return "background"
	default:
		return "flaky"
	}
}

type device struct {
	f      *fleet
	user   string
	name   string
	kind   deviceKind
	hb     time.Duration
	leave  time.Time // zero: stays for the whole run
	drops  int
	wakeup int
}

var errLeaving = errors.New("leaving")

func (d *device) run(ctx context.Context) {
	defer d.f.deviceDone(d)
	for attempt := 0; ; attempt++ {
		reason, err := d.session(ctx)
		if ctx.Err() != nil || errors.Is(err, errLeaving) {
			return
		}
		var wait time.Duration
		switch {
		case err != nil:
			// could not connect: exponential back-off with jitter
			wait = backoff(attempt, 500*time.Millisecond, 20*time.Second)
		case reason == "idle":
			// the app was suspended; the OS wakes it up again later
			wait = randDur(20*time.Second, 55*time.Second)
			d.wakeup++
			if d.wakeup >= 2 && randIntn(10) < 4 {
				d.kind = kindActive
			}
		case reason == "lifetime":
			wait = randDur(300*time.Millisecond, 3*time.Second)
			attempt = 0
		case reason == "dropped":
			wait = backoff(d.drops, time.Second, 15*time.Second)
		default:
			wait = randDur(time.Second, 5*time.Second)
		}
		if !d.leave.IsZero() && time.Now().Add(wait).After(d.leave) {
			return
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

func backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + randDur(0, d/2)
}

// session runs one connection and returns why it ended ("idle",
// "lifetime", "dropped", "logout").
func (d *device) session(ctx context.Context) (string, error) {
	dialer := net.Dialer{Timeout: 3 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", d.f.gwAddr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	br := bufio.NewReader(conn)

	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "HELLO %s %s\n", d.user, d.name); err != nil {
		return "", err
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "OK ") {
		return "", fmt.Errorf("handshake: %q", strings.TrimSpace(line))
	}
	conn.SetDeadline(time.Time{})

	if d.kind == kindBackground {
		return d.suspended(conn, br)
	}
	return d.foreground(ctx, conn, br)
}

// suspended models a phone app that the OS froze after login: nothing is
// sent, the socket stays open until the server says BYE (or our own
// generous keepalive deadline passes).
func (d *device) suspended(conn net.Conn, br *bufio.Reader) (string, error) {
	conn.SetReadDeadline(time.Now().Add(4 * time.Minute))
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	return byeReason(line), nil
}

func byeReason(line string) string {
	f := strings.Fields(line)
	if len(f) == 2 && f[0] == "BYE" {
		return f[1]
	}
	return "unexpected"
}

func (d *device) foreground(ctx context.Context, conn net.Conn, br *bufio.Reader) (string, error) {
	lines := make(chan string, 4)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go d.readReplies(conn, br, lines, readErr, done)

	tick := time.NewTicker(d.hb)
	defer tick.Stop()

	var leaveC, dropC <-chan time.Time
	if !d.leave.IsZero() {
		t := time.NewTimer(time.Until(d.leave))
		defer t.Stop()
		leaveC = t.C
	}
	if d.kind == kindFlaky {
		t := time.NewTimer(randDur(20*time.Second, 60*time.Second))
		defer t.Stop()
		dropC = t.C
	}

	write := func(s string) error {
		conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, err := conn.Write([]byte(s + "\n"))
		return err
	}
	statuses := []string{"online", "away", "busy"}
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-leaveC:
			write("BYE")
			return "logout", errLeaving
		case <-dropC:
			d.drops++
			return "dropped", nil
		case line := <-lines:
			if strings.HasPrefix(line, "BYE") {
				return byeReason(line), nil
			}
		case err := <-readErr:
			return "", err
		case <-tick.C:
			msg := "PING"
			if randIntn(12) == 0 {
				msg = "STATUS " + statuses[randIntn(len(statuses))]
			}
			if err := write(msg); err != nil {
				return "", err
			}
		}
	}
}

func (d *device) readReplies(conn net.Conn, br *bufio.Reader, lines chan<- string, readErr chan<- error, done <-chan struct{}) {
	for {
		conn.SetReadDeadline(time.Now().Add(3 * d.hb))
		line, err := br.ReadString('\n')
		if err != nil {
			readErr <- err // buffered, read once
			return
		}
		select {
		case lines <- strings.TrimSpace(line):
		case <-done:
			return
		}
	}
}
