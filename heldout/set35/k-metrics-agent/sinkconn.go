package main

import (
	"bufio"
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errClosed     = errors.New("sink connection closed")
	errAckTimeout = errors.New("sink did not acknowledge in time")
	errPeerSilent = errors.New("sink stopped answering heartbeats")
)

// sinkConn is one persistent connection to the ingest gateway. Batches are
// pipelined: send writes a batch and registers a waiter for its ACK, and
// readLoop matches ACK/NACK lines (and PONGs) to waiters. A heartbeat keeps
// the gateway's idle timer from closing a quiet connection and notices a
// gateway that stopped answering.
type sinkConn struct {
	id   int
	nc   net.Conn
	addr string

	wmu sync.Mutex // serializes writes on bw
	bw  *bufio.Writer

	mu      sync.Mutex
	nextSeq uint64
	pending map[uint64]chan error

	lastPong atomic.Int64 // unix nanos
	pings    atomic.Int64

	broken   chan struct{} // closed by fail
	done     chan struct{} // closed by Close
	failOnce sync.Once
	err      error
}

func dialSink(addr string, id int, hbEvery time.Duration) (*sinkConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	c := &sinkConn{
		id:      id,
		nc:      nc,
		addr:    addr,
		bw:      bufio.NewWriterSize(nc, 32<<10),
		pending: make(map[uint64]chan error),
		broken:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	c.lastPong.Store(time.Now().UnixNano())
	if err := c.writeLine(fmt.Sprintf("HELLO metrics-agent shipper-%d", id)); err != nil {
		nc.Close()
		return nil, err
	}
	go c.readLoop()
	go c.heartbeat(hbEvery)
	return c, nil
}

func (c *sinkConn) writeLine(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.bw.WriteString(s + "\n"); err != nil {
		return err
	}
	return c.bw.Flush()
}

// send writes a batch and returns the channel its ACK (nil) or NACK
// (error) will arrive on.
func (c *sinkConn) send(b *batch) (<-chan error, error) {
	ack := make(chan error, 1)
	c.mu.Lock()
	select {
	case <-c.broken:
		c.mu.Unlock()
		return nil, c.err
	default:
	}
	c.nextSeq++
	seq := c.nextSeq
	c.pending[seq] = ack
	c.mu.Unlock()

	c.wmu.Lock()
	c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c.bw, "BATCH %d %d\n", seq, len(b.lines))
	for _, l := range b.lines {
		c.bw.WriteString(l)
		c.bw.WriteByte('\n')
	}
	err := c.bw.Flush()
	c.wmu.Unlock()
	if err != nil {
		c.fail(err)
		return nil, err
	}
	return ack, nil
}

func (c *sinkConn) readLoop() {
	br := bufio.NewReader(c.nc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.fail(err)
			return
		}
		verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "PONG":
			c.lastPong.Store(time.Now().UnixNano())
		case "ACK":
			seq, _ := strconv.ParseUint(rest, 10, 64)
			c.resolve(seq, nil)
		case "NACK":
			s, reason, _ := strings.Cut(rest, " ")
			seq, _ := strconv.ParseUint(s, 10, 64)
			c.resolve(seq, errors.New("nack: "+reason))
		}
	}
}

func (c *sinkConn) resolve(seq uint64, err error) {
	c.mu.Lock()
	ack := c.pending[seq]
	delete(c.pending, seq)
	c.mu.Unlock()
	if ack != nil {
		ack <- err
	}
}

// heartbeat pings the gateway every so often. A gateway that has not
// answered for four periods is considered dead and the connection failed,
// so the shipper redials on its next batch.
func (c *sinkConn) heartbeat(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	missed := 0
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		c.pings.Add(1)
		if err := c.writeLine("PING"); err != nil {
			// The shipper notices a broken connection on its next batch
			// and redials; nothing for us to do but keep trying.
			missed++
			if missed == 3 {
				log.Printf("sink conn %d: heartbeat: %v", c.id, err)
			}
			continue
		}
		missed = 0
		if silent := time.Since(time.Unix(0, c.lastPong.Load())); silent > 4*every {
			c.fail(errPeerSilent)
		}
	}
}

// fail tears the connection down after an I/O error, an ACK timeout or a
// silent peer: it closes the socket (which ends readLoop) and fails every
// batch still waiting for its ACK. The first error wins.
func (c *sinkConn) fail(err error) {
	c.failOnce.Do(func() {
		c.mu.Lock()
		c.err = err
		close(c.broken)
		waiting := c.pending
		c.pending = make(map[uint64]chan error)
		c.mu.Unlock()
		c.nc.Close()
		for _, ack := range waiting {
			ack <- err
		}
	})
}

// Close is the orderly shutdown used when a shipper stops.
func (c *sinkConn) Close() error {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	c.fail(errClosed)
	return nil
}

func (c *sinkConn) Broken() <-chan struct{} { return c.broken }

func (c *sinkConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
