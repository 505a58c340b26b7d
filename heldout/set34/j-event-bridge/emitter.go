package main

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

// emitter plays the upstream services that publish domain events into the
// source queue. Each producer owns a connection and publishes
// synchronously (PUB, wait for OK). The total rate ramps over the run and
// triples for a few seconds during a flash sale every ~25 s.
type emitter struct {
	addr  string
	queue string
	start time.Time
	seq   int64
}

type producerSpec struct {
	service string
	share   float64
	events  []string
}

var producers = []producerSpec{
	{"orders-svc", 0.5, []string{"order.created", "order.paid", "order.cancelled", "order.shipped"}},
	{"payments-svc", 0.3, []string{"payment.authorized", "payment.captured", "payment.refunded"}},
	{"inventory-svc", 0.2, []string{"inventory.reserved", "inventory.released", "inventory.restocked"}},
}

func (e *emitter) totalRate() float64 {
	el := time.Since(e.start).Seconds()
	r := 12 + el*0.3
	if int(el)%25 >= 18 && int(el)%25 < 22 {
		r *= 3
	}
	return r
}

func (e *emitter) run(ctx context.Context) {
	for _, p := range producers {
		go e.produce(ctx, p)
	}
}

func (e *emitter) produce(ctx context.Context, p producerSpec) {
	var conn *lineConn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	const step = 100 * time.Millisecond
	tick := time.NewTicker(step)
	defer tick.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		carry += e.totalRate() * p.share * step.Seconds()
		for ; carry >= 1; carry-- {
			if conn == nil {
				c, err := net.DialTimeout("tcp", e.addr, 2*time.Second)
				if err != nil {
					pause(ctx, time.Second)
					break
				}
				conn = newLineConn(c)
			}
			n := atomic.AddInt64(&e.seq, 1)
			payload := fmt.Sprintf("type=%s;id=%d;src=%s;ts=%d",
				p.events[randIntn(len(p.events))], n, p.service, time.Now().UnixNano()/1e6)
			if err := e.publish(conn, payload); err != nil {
				conn.Close()
				conn = nil
			}
		}
	}
}

func (e *emitter) publish(c *lineConn, payload string) error {
	if err := c.writeLine(2*time.Second, "PUB", e.queue, payload); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	f, err := c.readFields()
	if err != nil {
		return err
	}
	if len(f) < 1 || f[0] != "OK" {
		return fmt.Errorf("publish: %v", f)
	}
	return nil
}
