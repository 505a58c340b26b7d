package main

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

type shipStats struct {
	shipped    atomic.Int64
	retried    atomic.Int64
	droppedB   atomic.Int64
	dials      atomic.Int64
	reconnects atomic.Int64
	ackTimeout atomic.Int64
}

// shipper takes batches off the shared queue and delivers them over its
// own persistent connection to the ingest gateway.
type shipper struct {
	id         int
	addr       string
	queue      <-chan *batch
	ackTimeout time.Duration
	hbEvery    time.Duration
	stats      *shipStats

	conn *sinkConn // owned by run's goroutine
}

func (s *shipper) run(ctx context.Context) {
	defer func() {
		if s.conn != nil {
			s.conn.Close()
		}
	}()
	for {
		var b *batch
		select {
		case <-ctx.Done():
			return
		case b = <-s.queue:
		}
		s.deliver(ctx, b)
	}
}

func (s *shipper) deliver(ctx context.Context, b *batch) {
	for attempt := 1; ; attempt++ {
		err := s.tryOnce(ctx, b)
		if err == nil {
			s.stats.shipped.Add(1)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == 4 {
			s.stats.droppedB.Add(1)
			log.Printf("shipper %d: dropping batch %d (%d lines) after %d attempts: %v", s.id, b.id, len(b.lines), attempt, err)
			return
		}
		s.stats.retried.Add(1)
		if !sleepCtx(ctx, backoff(200*time.Millisecond, attempt, 3*time.Second)) {
			return
		}
	}
}

func (s *shipper) tryOnce(ctx context.Context, b *batch) error {
	conn, err := s.connection()
	if err != nil {
		return err
	}
	ack, err := conn.send(b)
	if err != nil {
		return err
	}
	t := time.NewTimer(s.ackTimeout)
	defer t.Stop()
	select {
	case err := <-ack:
		return err
	case <-t.C:
		// The gateway is wedged or the connection is half-dead; drop it
		// and resend on a fresh one.
		s.stats.ackTimeout.Add(1)
		conn.fail(errAckTimeout)
		return errAckTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// connection returns the shipper's live connection, dialing a new one if
// there is none or the old one broke. A broken connection has already been
// torn down by fail (socket closed, waiters failed), so we just let go of it.
func (s *shipper) connection() (*sinkConn, error) {
	if s.conn != nil {
		select {
		case <-s.conn.Broken():
			s.stats.reconnects.Add(1)
			s.conn = nil
		default:
			return s.conn, nil
		}
	}
	s.stats.dials.Add(1)
	c, err := dialSink(s.addr, s.id, s.hbEvery)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return c, nil
}

// shipperPool grows the number of shippers with the number of scrape
// targets (more targets, more remote-write throughput).
type shipperPool struct {
	addr  string
	queue chan *batch
	stats shipStats

	mu       sync.Mutex
	shippers []*shipper
}

func (p *shipperPool) scaleTo(ctx context.Context, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.shippers) < n {
		s := &shipper{
			id:         len(p.shippers) + 1,
			addr:       p.addr,
			queue:      p.queue,
			ackTimeout: 2 * time.Second,
			hbEvery:    3 * time.Second,
			stats:      &p.stats,
		}
		p.shippers = append(p.shippers, s)
		go s.run(ctx)
		log.Printf("shippers: started shipper %d", s.id)
	}
}

func (p *shipperPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.shippers)
}

// autoscale sizes the pool from the target count every 10 s.
func (p *shipperPool) autoscale(ctx context.Context, c *collector) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for range tick.C {
		if ctx.Err() != nil {
			return
		}
		want := 2 + c.Len()/5
		if want > 8 {
			want = 8
		}
		p.scaleTo(ctx, want)
	}
}
