package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// brokerConn is one client session with the broker. Calls are serialized
// on the connection; a broken connection is redialled on the next call
// (and the leases of the old session are gone with it).
type brokerConn struct {
	addr string
	name string

	mu      sync.Mutex
	c       net.Conn
	rd      *bufio.Reader
	session string
	redials int
}

func newBrokerConn(addr, name string) *brokerConn {
	return &brokerConn{addr: addr, name: name}
}

func (b *brokerConn) dialLocked() error {
	c, err := net.DialTimeout("tcp", b.addr, 2*time.Second)
	if err != nil {
		return err
	}
	b.c, b.rd = c, bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "HELLO %s\n", b.name)
	line, err := b.rd.ReadString('\n')
	if err != nil {
		b.dropLocked()
		return err
	}
	b.session = strings.TrimPrefix(strings.TrimSpace(line), "OK ")
	b.redials++
	return nil
}

func (b *brokerConn) dropLocked() {
	if b.c != nil {
		b.c.Close()
		b.c, b.rd = nil, nil
	}
}

// call sends one request and reads its reply. Long calls (parked acquires,
// watches) are aborted when ctx is cancelled by expiring the connection's
// deadline from a small helper goroutine.
func (b *brokerConn) call(ctx context.Context, req string, timeout time.Duration) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if b.c == nil {
		if err := b.dialLocked(); err != nil {
			return "", err
		}
	}
	c := b.c
	c.SetDeadline(time.Now().Add(timeout))
	if timeout > 5*time.Second {
		stop := make(chan struct{})
		defer close(stop)
		go abortOnCancel(ctx, c, stop)
	}
	if _, err := io.WriteString(c, req+"\n"); err != nil {
		b.dropLocked()
		return "", err
	}
	line, err := b.rd.ReadString('\n')
	if err != nil {
		b.dropLocked()
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func abortOnCancel(ctx context.Context, c net.Conn, stop <-chan struct{}) {
	select {
	case <-ctx.Done():
		c.SetDeadline(time.Unix(1, 0))
	case <-stop:
	}
}

func (b *brokerConn) Acquire(ctx context.Context, name string, ttl, wait time.Duration) (grant, error) {
	reply, err := b.call(ctx, fmt.Sprintf("ACQ %s %d %d", name, ttl.Milliseconds(), wait.Milliseconds()), wait+5*time.Second)
	if err != nil {
		return grant{}, err
	}
	switch {
	case strings.HasPrefix(reply, "OK "):
		tok, err := strconv.ParseUint(reply[3:], 10, 64)
		if err != nil {
			return grant{}, err
		}
		return grant{name: name, token: tok, ttl: ttl}, nil
	case reply == "HELD":
		return grant{}, errHeld
	case reply == "TIMEOUT":
		return grant{}, errTimeout
	}
	return grant{}, errors.New("acquire: " + reply)
}

func (b *brokerConn) Renew(ctx context.Context, g grant) error {
	return b.simple(ctx, fmt.Sprintf("REN %s %d", g.name, g.token))
}

func (b *brokerConn) Release(ctx context.Context, g grant) error {
	return b.simple(ctx, fmt.Sprintf("REL %s %d", g.name, g.token))
}

func (b *brokerConn) simple(ctx context.Context, req string) error {
	reply, err := b.call(ctx, req, 2500*time.Millisecond)
	if err != nil {
		return err
	}
	switch reply {
	case "OK":
		return nil
	case "LOST":
		return errLost
	}
	return errors.New(reply)
}

// Watch long-polls until the holder of name changes (or there is none).
func (b *brokerConn) Watch(ctx context.Context, name string, wait time.Duration) (string, error) {
	return b.call(ctx, fmt.Sprintf("WATCH %s %d", name, wait.Milliseconds()), wait+5*time.Second)
}

func (b *brokerConn) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c != nil {
		b.c.SetDeadline(time.Now().Add(time.Second))
		io.WriteString(b.c, "BYE\n")
		b.rd.ReadString('\n')
		b.dropLocked()
	}
}

// keeper renews one grant until its holder is done with it. It returns
// errLost when the broker no longer knows the grant (or renewals keep
// failing past the TTL), and nil when ctx ends first.
func keepAlive(ctx context.Context, conn *brokerConn, g grant) error {
	rt := newRenewTimer(g.ttl / 3)
	defer rt.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-rt.C():
		}
		err := conn.Renew(ctx, g)
		switch {
		case err == nil:
			lastOK = time.Now()
		case err == errLost:
			return errLost
		case ctx.Err() != nil:
			return nil
		case time.Since(lastOK) > g.ttl:
			return errLost
		}
		rt.Rearm()
	}
}
