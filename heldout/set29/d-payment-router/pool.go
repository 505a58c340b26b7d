package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errBusy      = errors.New("processor busy")
	errPoolClose = errors.New("pool closed")
	aLongTimeAgo = time.Unix(1, 0)
)

type poolConfig struct {
	maxConns    int
	idleTimeout time.Duration
	maxLifetime time.Duration
	dialTimeout time.Duration
}

// connPool keeps persistent connections to one processor. Checked-out
// connections are bounded by maxConns (the slots semaphore); a caller that
// finds no idle connection dials a new one, so the pool grows with load up
// to the cap and shrinks again when the reaper retires idle or old conns.
type connPool struct {
	name string
	addr string
	cfg  poolConfig

	ctx    context.Context
	cancel context.CancelFunc

	slots chan struct{}

	mu     sync.Mutex
	idle   []*pconn
	closed bool

	dials, dialErrs, reused, discarded int64
}

type pconn struct {
	nc       net.Conn
	r        *bufio.Reader
	created  time.Time
	expires  time.Time
	lastUsed time.Time
}

func newConnPool(parent context.Context, name, addr string, cfg poolConfig) *connPool {
	ctx, cancel := context.WithCancel(parent)
	return &connPool{
		name:   name,
		addr:   addr,
		cfg:    cfg,
		ctx:    ctx,
		cancel: cancel,
		slots:  make(chan struct{}, cfg.maxConns),
	}
}

// Get returns a connection, dialing one if none is idle. The caller must hand
// it back with Put.
func (p *connPool) Get(ctx context.Context) (*pconn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.ctx.Done():
		return nil, errPoolClose
	}
	now := time.Now()
	var stale []*pconn
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.After(c.expires) {
			stale = append(stale, c)
			continue
		}
		p.mu.Unlock()
		closeAll(stale)
		atomic.AddInt64(&p.reused, 1)
		return c, nil
	}
	p.mu.Unlock()
	closeAll(stale)

	c, err := p.dial(ctx)
	if err != nil {
		atomic.AddInt64(&p.dialErrs, 1)
		<-p.slots
		return nil, err
	}
	return c, nil
}

// Put returns c to the pool. Connections that saw an error are in an
// unknown protocol state and are closed instead.
func (p *connPool) Put(c *pconn, healthy bool) {
	defer func() { <-p.slots }()
	now := time.Now()
	if !healthy || now.After(c.expires) {
		if !healthy {
			atomic.AddInt64(&p.discarded, 1)
		}
		c.nc.Close()
		return
	}
	c.lastUsed = now
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.nc.Close()
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// abortOnClose interrupts any blocked I/O on nc if the pool is closed while
// the returned stop func has not been called yet.
func (p *connPool) abortOnClose(nc net.Conn) (stop func()) {
	ctx, cancel := context.WithCancel(p.ctx)
	go func() {
		<-ctx.Done()
		if p.ctx.Err() != nil {
			nc.SetDeadline(aLongTimeAgo)
		}
	}()
	return cancel
}

func (p *connPool) dial(ctx context.Context) (*pconn, error) {
	atomic.AddInt64(&p.dials, 1)
	d := net.Dialer{Timeout: p.cfg.dialTimeout, KeepAlive: -1}
	nc, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	// The connection outlives the request that happened to dial it, so the
	// handshake is bounded by its own deadline and by the pool's lifetime,
	// not by the caller's context.
	stop := p.abortOnClose(nc)
	nc.SetDeadline(time.Now().Add(p.cfg.dialTimeout))
	r := bufio.NewReaderSize(nc, 512)
	greeting, err := r.ReadString('\n')
	if err != nil {
		stop()
		nc.Close()
		return nil, fmt.Errorf("%s: handshake: %w", p.name, err)
	}
	greeting = strings.TrimSpace(greeting)
	if greeting == "BUSY" {
		nc.Close()
		return nil, errBusy
	}
	if !strings.HasPrefix(greeting, "HELLO ") {
		stop()
		nc.Close()
		return nil, fmt.Errorf("%s: unexpected greeting %q", p.name, greeting)
	}
	nc.SetDeadline(time.Time{})
	stop()

	now := time.Now()
	life := p.cfg.maxLifetime/2 + time.Duration(rand.Int63n(int64(p.cfg.maxLifetime)))
	return &pconn{nc: nc, r: r, created: now, expires: now.Add(life), lastUsed: now}, nil
}

// roundTrip writes one request line and reads one response line, bounded by
// ctx's deadline.
func (c *pconn) roundTrip(ctx context.Context, req string) (string, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(2 * time.Second)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c.nc.SetDeadline(dl)
	if _, err := c.nc.Write([]byte(req + "\n")); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return "", context.DeadlineExceeded
		}
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// reaper retires idle connections that have not been used for idleTimeout
// or that are past their lifetime.
func (p *connPool) reaper(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case now := <-t.C:
			var drop []*pconn
			p.mu.Lock()
			keep := p.idle[:0]
			for _, c := range p.idle {
				if now.Sub(c.lastUsed) > p.cfg.idleTimeout || now.After(c.expires) {
					drop = append(drop, c)
				} else {
					keep = append(keep, c)
				}
			}
			for i := len(keep); i < len(p.idle); i++ {
				p.idle[i] = nil
			}
			p.idle = keep
			p.mu.Unlock()
			closeAll(drop)
		}
	}
}

func (p *connPool) Close() {
	p.cancel()
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	closeAll(idle)
}

func (p *connPool) sizes() (idle, inUse int) {
	p.mu.Lock()
	idle = len(p.idle)
	p.mu.Unlock()
	return idle, len(p.slots)
}

func closeAll(cs []*pconn) {
	for _, c := range cs {
		c.nc.Close()
	}
}
