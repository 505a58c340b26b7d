package main

import (
	"context"
	"net"
	"strconv"
	"time"
)

// delivery is one message handed to the bridge by the source queue.
type delivery struct {
	tag      string
	attempt  int
	payload  string
	received time.Time
}

// sourceConsumer is the bridge's subscription to the source queue.
type sourceConsumer struct {
	conn       *lineConn
	deliveries chan *delivery
}

func dialSource(addr, queue string, prefetch int) (*sourceConsumer, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	sc := &sourceConsumer{conn: newLineConn(c), deliveries: make(chan *delivery, prefetch)}
	if err := sc.conn.writeLine(2*time.Second, "SUB", queue, strconv.Itoa(prefetch)); err != nil {
		c.Close()
		return nil, err
	}
	return sc, nil
}

// readLoop turns MSG lines into deliveries; it closes the channel when
// the connection goes away.
func (c *sourceConsumer) readLoop(ctx context.Context) {
	defer close(c.deliveries)
	for {
		f, err := c.conn.readFields()
		if err != nil {
			return
		}
		if len(f) != 4 || f[0] != "MSG" {
			continue
		}
		attempt, _ := strconv.Atoi(f[2])
		d := &delivery{tag: f[1], attempt: attempt, payload: f[3], received: time.Now()}
		select {
		case c.deliveries <- d:
		case <-ctx.Done():
			return
		}
	}
}

func (c *sourceConsumer) ack(tag string) error {
	return c.conn.writeLine(2*time.Second, "ACK", tag)
}

func (c *sourceConsumer) nack(tag string, redeliverIn time.Duration) error {
	return c.conn.writeLine(2*time.Second, "NACK", tag, strconv.FormatInt(redeliverIn.Milliseconds(), 10))
}

// depthProbe asks the source broker for the queue depth on its own
// connection, bounded by a deadline.
type depthProbe struct {
	addr, queue string
	conn        *lineConn
}

func (p *depthProbe) depth(timeout time.Duration) (ready, leased int, err error) {
	if p.conn == nil {
		c, err := net.DialTimeout("tcp", p.addr, timeout)
		if err != nil {
			return 0, 0, err
		}
		p.conn = newLineConn(c)
	}
	fail := func(err error) (int, int, error) {
		p.conn.Close()
		p.conn = nil
		return 0, 0, err
	}
	if err := p.conn.writeLine(timeout, "DEPTH", p.queue); err != nil {
		return fail(err)
	}
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	f, err := p.conn.readFields()
	if err != nil {
		return fail(err)
	}
	p.conn.SetReadDeadline(time.Time{})
	if len(f) == 3 {
		ready, _ = strconv.Atoi(f[1])
		leased, _ = strconv.Atoi(f[2])
	}
	return ready, leased, nil
}
