package main

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var (
	errPoolClosed = errors.New("quota pool closed")
	errTooLarge   = errors.New("request exceeds pool capacity")
)

// poolKind tells how units come back to a pool: consumable quotas are
// spent and come back only through refills and window resets, concurrency
// pools get their units back when the holder's lease is released or
// expires.
type poolKind int

const (
	kindConsumable poolKind = iota
	kindConcurrency
)

func (k poolKind) String() string {
	if k == kindConcurrency {
		return "concurrency"
	}
	return "consumable"
}

// poolConfig is how a pool is provisioned.
type poolConfig struct {
	kind        poolKind
	capacity    int
	refillN     int           // units added per refill tick (0: none)
	refillEvery time.Duration // refill tick
	resetEvery  time.Duration // window length for scheduled resets (0: none)
}

// waiter is one caller queued for units. ready is closed once the units
// have been set aside for it.
type waiter struct {
	n       int
	ready   chan struct{}
	granted bool
	since   time.Time
}

// quotaPool hands out units in FIFO order: a caller that cannot be served
// at once queues behind the ones already waiting and blocks until its
// units are granted, its deadline passes or the pool is closed.
type quotaPool struct {
	key string
	cfg poolConfig

	mu      sync.Mutex
	avail   int
	queue   *list.List // of *waiter
	epoch   int        // window number, bumped by every reset
	resetCh chan struct{}
	closed  chan struct{}
	isDone  bool

	granted  int64
	timedOut int64
	resets   int64
}

func newQuotaPool(key string, cfg poolConfig) *quotaPool {
	return &quotaPool{
		key:     key,
		cfg:     cfg,
		avail:   cfg.capacity,
		queue:   list.New(),
		resetCh: make(chan struct{}),
		closed:  make(chan struct{}),
	}
}

// Acquire takes n units, waiting for them as long as ctx allows.
func (p *quotaPool) Acquire(ctx context.Context, n int) error {
	p.mu.Lock()
	if p.isDone {
		p.mu.Unlock()
		return errPoolClosed
	}
	if n > p.cfg.capacity {
		p.mu.Unlock()
		return errTooLarge
	}
	if p.queue.Len() == 0 && p.avail >= n {
		p.avail -= n
		p.granted++
		p.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{}), since: time.Now()}
	elem := p.queue.PushBack(w)
	p.mu.Unlock()

	return p.await(ctx, w, elem)
}

// await parks a queued caller until its grant, its deadline or pool close.
func (p *quotaPool) await(ctx context.Context, w *waiter, elem *list.Element) error {
	select {
	case <-w.ready:
		return nil
	case <-p.closed:
		return errPoolClosed
	case <-ctx.Done():
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if w.granted {
		// The grant raced with the deadline: the caller is gone, so put
		// the units back for whoever is next.
		p.avail += w.n
		p.granted--
	} else {
		p.queue.Remove(elem)
	}
	p.timedOut++
	p.grantLocked()
	return ctx.Err()
}

// grantLocked serves queued callers in order while units last.
func (p *quotaPool) grantLocked() {
	for {
		front := p.queue.Front()
		if front == nil {
			return
		}
		w := front.Value.(*waiter)
		if w.n > p.avail {
			return
		}
		p.avail -= w.n
		w.granted = true
		p.granted++
		p.queue.Remove(front)
		close(w.ready)
	}
}

// Put returns n units (lease released or expired, refill tick).
func (p *quotaPool) Put(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isDone {
		return
	}
	p.avail += n
	if p.avail > p.cfg.capacity {
		p.avail = p.cfg.capacity
	}
	p.grantLocked()
}

// Reset starts a new window: the pool is full again and dashboards
// following the window are told.
func (p *quotaPool) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isDone {
		return
	}
	p.avail = p.cfg.capacity
	p.epoch++
	p.resets++
	close(p.resetCh)
	p.resetCh = make(chan struct{})
	p.grantLocked()
}

// window reports the current window number and a channel closed when it
// ends.
func (p *quotaPool) window() (int, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.epoch, p.resetCh
}

// Close fails every queued caller and stops refills.
func (p *quotaPool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isDone {
		return
	}
	p.isDone = true
	close(p.closed)
}

// refillLoop drips refillN units back every refillEvery until the pool is
// closed.
func (p *quotaPool) refillLoop() {
	if p.cfg.refillN == 0 {
		return
	}
	tick := time.NewTicker(p.cfg.refillEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.Put(p.cfg.refillN)
		case <-p.closed:
			return
		}
	}
}

type poolStatus struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Capacity int    `json:"capacity"`
	Avail    int    `json:"avail"`
	Queued   int    `json:"queued"`
	OldestMs int64  `json:"oldest_wait_ms"`
	Epoch    int    `json:"epoch"`
	Granted  int64  `json:"granted"`
	TimedOut int64  `json:"timed_out"`
}

func (p *quotaPool) status() poolStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := poolStatus{
		Key: p.key, Kind: p.cfg.kind.String(), Capacity: p.cfg.capacity,
		Avail: p.avail, Queued: p.queue.Len(), Epoch: p.epoch,
		Granted: p.granted, TimedOut: p.timedOut,
	}
	if f := p.queue.Front(); f != nil {
		st.OldestMs = time.Since(f.Value.(*waiter).since).Milliseconds()
	}
	return st
}

func (p *quotaPool) String() string {
	st := p.status()
	return fmt.Sprintf("%s avail=%d/%d queued=%d oldest=%dms", st.Key, st.Avail, st.Capacity, st.Queued, st.OldestMs)
}
