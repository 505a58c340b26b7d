package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// clientSim stands in for the remote clients: they connect in bursts (a
// deploy, a reconnect storm), keep their session alive for a while, then
// either close it cleanly or just vanish and let the lease lapse.
type clientSim struct {
	b     *Broker
	start time.Time

	mu      sync.Mutex
	clients map[string]*simClient
	seq     int
}

type simClient struct {
	name      string
	session   uint64
	leaveAt   time.Time
	graceful  bool
	nextWrite time.Time
}

func newClientSim(b *Broker) *clientSim {
	return &clientSim{b: b, start: time.Now(), clients: make(map[string]*simClient)}
}

func (c *clientSim) active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.clients)
}

func (c *clientSim) run(ctx context.Context) {
	keepalive := time.NewTicker(700 * time.Millisecond)
	defer keepalive.Stop()
	nextBurst := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-keepalive.C:
			if !now.Before(nextBurst) {
				c.connectBurst(now)
				// Arrival rate ramps from ~0.8/s towards ~3.5/s.
				elapsed := now.Sub(c.start).Seconds()
				mean := 2.5 - elapsed/120
				if mean < 1.2 {
					mean = 1.2
				}
				gap := time.Duration((0.5 + rand.Float64()) * mean * float64(time.Second))
				nextBurst = now.Add(gap)
			}
			c.tick(ctx, now)
		}
	}
}

func (c *clientSim) connectBurst(now time.Time) {
	elapsed := now.Sub(c.start).Seconds()
	n := 1 + rand.Intn(2+int(elapsed/30))
	if rand.Intn(10) == 0 {
		n += 5 + rand.Intn(8) // reconnect storm
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < n; i++ {
		var name string
		if len(c.clients) > 0 && rand.Intn(8) == 0 {
			// an existing client reconnecting replaces its own session
			for k := range c.clients {
				name = k
				break
			}
		} else {
			c.seq++
			name = fmt.Sprintf("client-%05d", c.seq)
		}
		s := c.b.Open(name)
		life := time.Duration(5+rand.Intn(56)) * time.Second
		c.clients[name] = &simClient{
			name:      name,
			session:   s.ID,
			leaveAt:   now.Add(life),
			graceful:  rand.Intn(10) < 6,
			nextWrite: now.Add(time.Duration(rand.Intn(3000)) * time.Millisecond),
		}
	}
}

// tick sends keepalives for all connected clients. Keepalives go out from
// a few short-lived sender goroutines, like a client library's batched
// flush.
func (c *clientSim) tick(ctx context.Context, now time.Time) {
	type op struct {
		id    uint64
		write bool
	}
	var ops []op
	c.mu.Lock()
	for name, cl := range c.clients {
		if now.After(cl.leaveAt) {
			delete(c.clients, name)
			if cl.graceful {
				c.b.CloseSession(cl.session)
			}
			continue
		}
		w := now.After(cl.nextWrite)
		if w {
			cl.nextWrite = now.Add(time.Duration(500+rand.Intn(4000)) * time.Millisecond)
		}
		ops = append(ops, op{cl.session, w})
	}
	c.mu.Unlock()

	const perSender = 40
	var wg sync.WaitGroup
	for lo := 0; lo < len(ops); lo += perSender {
		hi := lo + perSender
		if hi > len(ops) {
			hi = len(ops)
		}
		wg.Add(1)
		go func(batch []op) {
			defer wg.Done()
			for _, o := range batch {
				if ctx.Err() != nil {
					return
				}
				if o.write {
					c.b.Send(o.id, make([]byte, 64+rand.Intn(512)))
				} else {
					c.b.KeepAlive(o.id)
				}
			}
		}(ops[lo:hi])
	}
	wg.Wait()
}
