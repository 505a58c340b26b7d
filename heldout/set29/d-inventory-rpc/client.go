package main

import (
	"context"
	"errors"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// replicaPool multiplexes calls to one replica over a small set of rpc
// clients (one TCP connection each). It opens another connection when every
// client already carries maxPerClient calls, up to maxClients, and the
// reaper closes connections that have been idle for a while.
type replicaPool struct {
	name         string
	addr         string
	maxClients   int
	maxPerClient int32
	idleAfter    time.Duration

	mu      sync.Mutex
	clients []*pooledClient
	dialing bool

	dials, broken int64
}

type pooledClient struct {
	c        *rpc.Client
	inflight int32
	lastUsed int64 // unix nanos
	dead     int32
}

func newReplicaPool(name, addr string) *replicaPool {
	return &replicaPool{name: name, addr: addr, maxClients: 6, maxPerClient: 6, idleAfter: 12 * time.Second}
}

var errNoConn = errors.New("no connection available")

func (p *replicaPool) acquire(ctx context.Context) (*pooledClient, error) {
	for {
		p.mu.Lock()
		var best *pooledClient
		for _, pc := range p.clients {
			if atomic.LoadInt32(&pc.dead) != 0 {
				continue
			}
			if best == nil || atomic.LoadInt32(&pc.inflight) < atomic.LoadInt32(&best.inflight) {
				best = pc
			}
		}
		grow := (best == nil || atomic.LoadInt32(&best.inflight) >= p.maxPerClient) &&
			len(p.clients) < p.maxClients && !p.dialing
		if !grow && best != nil {
			atomic.AddInt32(&best.inflight, 1)
			p.mu.Unlock()
			return best, nil
		}
		if grow {
			p.dialing = true
		}
		p.mu.Unlock()

		if !grow {
			// somebody else is dialing the first connection
			select {
			case <-time.After(5 * time.Millisecond):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		pc, err := p.dial(ctx)
		p.mu.Lock()
		p.dialing = false
		if err != nil {
			p.mu.Unlock()
			if best != nil { // fall back to the busy one
				atomic.AddInt32(&best.inflight, 1)
				return best, nil
			}
			return nil, err
		}
		atomic.AddInt32(&pc.inflight, 1)
		p.clients = append(p.clients, pc)
		p.mu.Unlock()
		return pc, nil
	}
}

func (p *replicaPool) dial(ctx context.Context) (*pooledClient, error) {
	atomic.AddInt64(&p.dials, 1)
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	conn, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &pooledClient{c: rpc.NewClient(conn), lastUsed: time.Now().UnixNano()}, nil
}

func (p *replicaPool) release(pc *pooledClient) {
	atomic.StoreInt64(&pc.lastUsed, time.Now().UnixNano())
	atomic.AddInt32(&pc.inflight, -1)
}

// call performs one RPC, giving up when ctx is done. net/rpc cannot cancel
// a call in flight; the reply lands in the call's buffered Done channel and
// is dropped.
func (p *replicaPool) call(ctx context.Context, method string, args, reply interface{}) error {
	pc, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(pc)
	call := pc.c.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		if call.Error == rpc.ErrShutdown {
			p.markBroken(pc)
		}
		return call.Error
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *replicaPool) markBroken(pc *pooledClient) {
	if atomic.CompareAndSwapInt32(&pc.dead, 0, 1) {
		atomic.AddInt64(&p.broken, 1)
	}
}

// reaper closes connections that are dead or have had no calls for
// idleAfter, keeping at least one live connection.
func (p *replicaPool) reaper(every time.Duration) {
	for range time.Tick(every) {
		now := time.Now().UnixNano()
		var drop []*pooledClient
		p.mu.Lock()
		keep := p.clients[:0]
		live := 0
		for _, pc := range p.clients {
			if atomic.LoadInt32(&pc.dead) == 0 {
				live++
			}
		}
		for _, pc := range p.clients {
			idle := atomic.LoadInt32(&pc.inflight) == 0 &&
				time.Duration(now-atomic.LoadInt64(&pc.lastUsed)) > p.idleAfter
			dead := atomic.LoadInt32(&pc.dead) != 0 && atomic.LoadInt32(&pc.inflight) == 0
			if dead || (idle && live > 1) {
				if !dead {
					live--
				}
				drop = append(drop, pc)
				continue
			}
			keep = append(keep, pc)
		}
		for i := len(keep); i < len(p.clients); i++ {
			p.clients[i] = nil
		}
		p.clients = keep
		p.mu.Unlock()
		for _, pc := range drop {
			pc.c.Close()
		}
	}
}

func (p *replicaPool) size() (conns int, inflight int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.clients {
		inflight += atomic.LoadInt32(&pc.inflight)
	}
	return len(p.clients), inflight
}
