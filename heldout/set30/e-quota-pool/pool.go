package main

import (
	"bufio"
	"context"
	"errors"
	"log"
	"math/rand"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errConnClosed = errors.New("quota: connection closed")
	errPoolClosed = errors.New("quota: pool closed")
)

type poolConfig struct {
	Addr               string
	MinConns           int
	MaxConns           int // hard ceiling for the autoscaler
	MaxInflightPerConn int
	MinLifetime        time.Duration
	MaxLifetime        time.Duration
	IdleTimeout        time.Duration
	DialTimeout        time.Duration
}

type result struct {
	f   frame
	err error
}

// Pool multiplexes requests over a set of TCP connections to the quota
// service. Each connection has one reader goroutine that routes responses
// back to the waiting callers by request id. Connections are retired when
// they reach their (jittered) lifetime, reaped when idle, and the number of
// connections allowed is adjusted to the observed concurrency.
type Pool struct {
	cfg poolConfig

	mu      sync.Mutex
	conns   []*poolConn
	limit   int
	dialing int
	peak    int // peak total in-flight since last autoscale tick
	total   int // current total in-flight
	closed  bool

	dials, retired, reaped atomic.Int64
	nextConnID             atomic.Uint64
}

type poolConn struct {
	p       *Pool
	id      uint64
	nc      net.Conn
	born    time.Time
	expires time.Time

	wmu sync.Mutex
	bw  *bufio.Writer

	pmu     sync.Mutex
	pending map[uint64]chan result
	nextReq uint64
	dead    bool

	// guarded by Pool.mu
	inflight int
	lastUsed time.Time
	retiring bool

	closeOnce sync.Once
}

func NewPool(cfg poolConfig) *Pool {
	return &Pool{cfg: cfg, limit: cfg.MinConns}
}

func (p *Pool) dial(ctx context.Context) (*poolConn, error) {
	d := net.Dialer{Timeout: p.cfg.DialTimeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return nil, err
	}
	p.dials.Add(1)
	life := p.cfg.MinLifetime + time.Duration(rand.Int63n(int64(p.cfg.MaxLifetime-p.cfg.MinLifetime)))
	now := time.Now()
	c := &poolConn{
		p:        p,
		id:       p.nextConnID.Add(1),
		nc:       nc,
		born:     now,
		expires:  now.Add(life),
		bw:       bufio.NewWriterSize(nc, 4096),
		pending:  make(map[uint64]chan result),
		lastUsed: now,
	}
	go c.readLoop()
	return c, nil
}

// acquire returns a connection with a reserved in-flight slot.
func (p *Pool) acquire(ctx context.Context) (*poolConn, error) {
	now := time.Now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	var best *poolConn
	var expired []*poolConn
	for _, c := range p.conns {
		if c.retiring {
			continue
		}
		if now.After(c.expires) {
			c.retiring = true
			p.retired.Add(1)
			if c.inflight == 0 {
				expired = append(expired, c)
			}
			continue
		}
		if best == nil || c.inflight < best.inflight {
			best = c
		}
	}
	if best != nil && (best.inflight < p.cfg.MaxInflightPerConn || p.liveLocked()+p.dialing >= p.limit) {
		p.reserveLocked(best)
		p.mu.Unlock()
		closeAll(expired)
		return best, nil
	}
	p.dialing++
	p.mu.Unlock()
	closeAll(expired)

	c, err := p.dial(ctx)

	p.mu.Lock()
	p.dialing--
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if p.closed {
		p.mu.Unlock()
		c.close()
		return nil, errPoolClosed
	}
	p.conns = append(p.conns, c)
	p.reserveLocked(c)
	p.mu.Unlock()
	return c, nil
}

func (p *Pool) liveLocked() int {
	n := 0
	for _, c := range p.conns {
		if !c.retiring {
			n++
		}
	}
	return n
}

func (p *Pool) reserveLocked(c *poolConn) {
	c.inflight++
	p.total++
	if p.total > p.peak {
		p.peak = p.total
	}
}

func (p *Pool) release(c *poolConn) {
	p.mu.Lock()
	c.inflight--
	p.total--
	c.lastUsed = time.Now()
	done := c.retiring && c.inflight == 0
	p.mu.Unlock()
	if done {
		c.close()
	}
}

func (p *Pool) remove(c *poolConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.conns {
		if x == c {
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			return
		}
	}
}

func closeAll(cs []*poolConn) {
	for _, c := range cs {
		c.close()
	}
}

// Do sends one request and waits for its response or ctx.
func (p *Pool) Do(ctx context.Context, op byte, payload []byte) (frame, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return frame{}, err
	}
	defer p.release(c)
	return c.roundTrip(ctx, op, payload)
}

func (c *poolConn) roundTrip(ctx context.Context, op byte, payload []byte) (frame, error) {
	ch := make(chan result, 1)
	c.pmu.Lock()
	if c.dead {
		c.pmu.Unlock()
		return frame{}, errConnClosed
	}
	c.nextReq++
	id := c.nextReq
	c.pending[id] = ch
	c.pmu.Unlock()

	c.wmu.Lock()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.nc.SetWriteDeadline(dl)
	} else {
		_ = c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	}
	err := writeFrame(c.bw, frame{id: id, code: op, payload: payload})
	c.wmu.Unlock()
	if err != nil {
		c.forget(id)
		c.close()
		return frame{}, err
	}

	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
		c.forget(id)
		return frame{}, ctx.Err()
	}
}

func (c *poolConn) forget(id uint64) {
	c.pmu.Lock()
	delete(c.pending, id)
	c.pmu.Unlock()
}

// readLoop owns the read side of the connection for its whole life.
func (c *poolConn) readLoop() {
	br := bufio.NewReaderSize(c.nc, 4096)
	var err error
	for {
		var f frame
		f, err = readFrame(br)
		if err != nil {
			break
		}
		c.pmu.Lock()
		ch, ok := c.pending[f.id]
		delete(c.pending, f.id)
		c.pmu.Unlock()
		if ok {
			ch <- result{f: f} // buffered, never blocks
		}
	}
	c.close()
	c.p.remove(c)
	c.pmu.Lock()
	c.dead = true
	pend := c.pending
	c.pending = nil
	c.pmu.Unlock()
	for _, ch := range pend {
		ch <- result{err: errConnClosed}
	}
}

func (c *poolConn) close() {
	c.closeOnce.Do(func() { c.nc.Close() })
}

// maintain retires expired connections, reaps idle ones and keeps MinConns warm.
func (p *Pool) maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var toClose []*poolConn
		p.mu.Lock()
		live := p.liveLocked()
		for _, c := range p.conns {
			if c.retiring {
				continue
			}
			switch {
			case now.After(c.expires):
				c.retiring = true
				p.retired.Add(1)
				live--
			case c.inflight == 0 && now.Sub(c.lastUsed) > p.cfg.IdleTimeout && live > p.cfg.MinConns:
				c.retiring = true
				p.reaped.Add(1)
				live--
			default:
				continue
			}
			if c.inflight == 0 {
				toClose = append(toClose, c)
			}
		}
		need := p.cfg.MinConns - live - p.dialing
		p.mu.Unlock()
		closeAll(toClose)
		for i := 0; i < need; i++ {
			p.warm(ctx)
		}
	}
}

func (p *Pool) warm(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	c, err := p.dial(ctx)
	if err != nil {
		log.Printf("pool: warm dial: %v", err)
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

// autoscale sizes the connection limit from the peak concurrency seen in
// the last window.
func (p *Pool) autoscale(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		want := p.peak/p.cfg.MaxInflightPerConn + 1
		if want < p.cfg.MinConns {
			want = p.cfg.MinConns
		}
		if want > p.cfg.MaxConns {
			want = p.cfg.MaxConns
		}
		p.limit = want
		p.peak = p.total
		p.mu.Unlock()
	}
}

type poolStats struct {
	conns, limit, inflight int
	dials, retired, reaped int64
}

func (p *Pool) stats() poolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolStats{conns: len(p.conns), limit: p.limit, inflight: p.total,
		dials: p.dials.Load(), retired: p.retired.Load(), reaped: p.reaped.Load()}
}
