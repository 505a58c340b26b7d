package main

import (
	"bufio"
	"context"
	"math/rand"
	"net"
	"strings"
	"sync"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(randFloat()*float64(hi-lo))
}

// pause waits for d unless ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lineConn is a line-oriented protocol connection: one command per line,
// fields separated by single spaces.
type lineConn struct {
	net.Conn
	r  *bufio.Reader
	mu sync.Mutex // serialises writers
}

func newLineConn(c net.Conn) *lineConn {
	return &lineConn{Conn: c, r: bufio.NewReaderSize(c, 16<<10)}
}

func (c *lineConn) readFields() ([]string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	return strings.Fields(line), nil
}

// writeLine writes one line, giving up after timeout.
func (c *lineConn) writeLine(timeout time.Duration, fields ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if timeout > 0 {
		c.SetWriteDeadline(time.Now().Add(timeout))
		defer c.SetWriteDeadline(time.Time{})
	}
	_, err := c.Write([]byte(strings.Join(fields, " ") + "\n"))
	return err
}
