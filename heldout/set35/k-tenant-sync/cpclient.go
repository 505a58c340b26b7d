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

var errLeaseHeld = errors.New("lease held by another syncer")

// cpError is an ERR reply from the control plane.
type cpError struct{ msg string }

func (e *cpError) Error() string { return "control plane: " + e.msg }

// cpClient is a small connection pool for the control-plane protocol. At
// most `size` connections exist; callers wait for a free one.
type cpClient struct {
	addr  string
	idle  chan *cpConn
	slots chan struct{}
	stats *stats
}

type cpConn struct {
	c  net.Conn
	br *bufio.Reader
}

func newCPClient(addr string, size int, st *stats) *cpClient {
	return &cpClient{
		addr:  addr,
		idle:  make(chan *cpConn, size),
		slots: make(chan struct{}, size),
		stats: st,
	}
}

func (c *cpClient) get(ctx context.Context) (*cpConn, error) {
	select {
	case cn := <-c.idle:
		return cn, nil
	default:
	}
	select {
	case cn := <-c.idle:
		return cn, nil
	case c.slots <- struct{}{}:
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			<-c.slots
			return nil, err
		}
		return &cpConn{c: conn, br: bufio.NewReader(conn)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *cpClient) put(cn *cpConn) { c.idle <- cn }

func (c *cpClient) discard(cn *cpConn) {
	cn.c.Close()
	<-c.slots
}

// call sends one request and returns the text after "OK".
func (c *cpClient) call(ctx context.Context, format string, args ...interface{}) (string, error) {
	cn, err := c.get(ctx)
	if err != nil {
		return "", err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(5 * time.Second)
	}
	_ = cn.c.SetDeadline(dl)
	if _, err := fmt.Fprintf(cn.c, format+"\n", args...); err != nil {
		c.discard(cn)
		return "", err
	}
	line, err := cn.br.ReadString('\n')
	if err != nil {
		// The reply may still arrive later; the connection is unusable.
		c.discard(cn)
		return "", err
	}
	c.put(cn)
	c.stats.rpcs.Add(1)
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "ERR ") {
		return "", &cpError{msg: strings.TrimPrefix(line, "ERR ")}
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "OK")), nil
}

func (c *cpClient) acquire(ctx context.Context, tenant string, ttl time.Duration) (string, error) {
	id, err := c.call(ctx, "LEASE %s %d", tenant, ttl.Milliseconds())
	var ce *cpError
	if errors.As(err, &ce) && ce.msg == "held" {
		return "", errLeaseHeld
	}
	return id, err
}

func (c *cpClient) release(lease string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = c.call(ctx, "RELEASE %s", lease)
}
