package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Target is one thing the prober checks.
type Target struct {
	Name     string
	Kind     string // "tcp" or "http"
	Addr     string
	Timeout  time.Duration // per attempt
	Interval time.Duration // between healthy rounds
}

// checker runs one probe attempt against a target. ctx is the prober's
// context; each checker enforces the target's own timeout.
type checker interface {
	Check(ctx context.Context, t *Target) error
}

var errUnhealthy = errors.New("unhealthy")

// httpCheck GETs /healthz and wants a 200.
type httpCheck struct {
	client *http.Client
}

func (c *httpCheck) Check(ctx context.Context, t *Target) error {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.Addr+"/healthz", nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "health-prober/1.4")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s", errUnhealthy, resp.Status)
	}
	return nil
}

// tcpCheck connects and exchanges one PING/PONG line. The exchange is
// bounded by a connection deadline of the target's timeout.
type tcpCheck struct {
	dialer net.Dialer
}

var errBadBanner = errors.New("unexpected reply")

func (c *tcpCheck) Check(ctx context.Context, t *Target) error {
	dctx, cancel := context.WithTimeout(ctx, t.Timeout)
	conn, err := c.dialer.DialContext(dctx, "tcp", t.Addr)
	cancel()
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(t.Timeout)); err != nil {
		return err
	}

	// net.Conn knows nothing about contexts: on shutdown, kick the
	// connection so we don't sit out the rest of the deadline.
	exchanged := make(chan struct{})
	go c.abortOnCancel(ctx, conn, exchanged)

	if _, err := fmt.Fprintf(conn, "PING %s\n", t.Name); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	close(exchanged)

	if strings.TrimSpace(line) != "PONG "+t.Name {
		return errBadBanner
	}
	return nil
}

func (c *tcpCheck) abortOnCancel(ctx context.Context, conn net.Conn, exchanged <-chan struct{}) {
	select {
	case <-ctx.Done():
		conn.SetDeadline(time.Unix(1, 0))
	case <-exchanged:
	}
}
