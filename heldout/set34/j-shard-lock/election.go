package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// elections runs the schedulers: every service has three replicas that
// campaign for "leader/SERVICE" with a long blocking acquire (60-120 s
// wait on the shard), serve a term of 40-100 s on a kept-alive lease, then
// step down. A new service is onboarded every 8-12 s, and one replica is
// restarted every 20-35 s (rolling deploys).
type elections struct {
	locks *Client

	mu      sync.Mutex
	running map[string]*replicaSlot
	names   []string

	groups, candidates, leaders, terms atomic.Int64
}

func newElections(c *Client) *elections {
	c.DefaultWait = 90 * time.Second
	return &elections{locks: c, running: make(map[string]*replicaSlot)}
}

type replicaSlot struct {
	svc     string
	replica int
	stop    context.CancelFunc
}

func (e *elections) run(ctx context.Context) {
	services := 0
	onboard := func() {
		services++
		svc := fmt.Sprintf("svc-%02d", services)
		for r := 0; r < 3; r++ {
			e.start(ctx, svc, r)
		}
		e.groups.Add(1)
	}
	for i := 0; i < 3; i++ {
		onboard()
	}

	grow := time.NewTimer(between(8*time.Second, 12*time.Second))
	restart := time.NewTimer(between(20*time.Second, 35*time.Second))
	defer grow.Stop()
	defer restart.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-grow.C:
			if services < 16 {
				onboard()
			}
			grow.Reset(between(8*time.Second, 12*time.Second))
		case <-restart.C:
			e.restartOne(ctx)
			restart.Reset(between(20*time.Second, 35*time.Second))
		}
	}
}

func (e *elections) start(parent context.Context, svc string, replica int) {
	id := fmt.Sprintf("%s/r%d", svc, replica)
	ctx, cancel := context.WithCancel(parent)
	e.mu.Lock()
	if _, ok := e.running[id]; !ok {
		e.names = append(e.names, id)
	}
	e.running[id] = &replicaSlot{svc: svc, replica: replica, stop: cancel}
	e.mu.Unlock()

	c := &candidate{e: e, svc: svc, id: id}
	e.candidates.Add(1)
	go func() {
		defer e.candidates.Add(-1)
		c.run(ctx)
	}()
}

func (e *elections) restartOne(ctx context.Context) {
	e.mu.Lock()
	slot := e.running[e.names[intn(len(e.names))]]
	e.mu.Unlock()
	slot.stop()
	time.AfterFunc(2*time.Second, func() { e.start(ctx, slot.svc, slot.replica) })
}

type candidate struct {
	e       *elections
	svc, id string
}

func (c *candidate) run(ctx context.Context) {
	for {
		lease, err := c.campaign(ctx)
		if ctx.Err() != nil {
			if lease != nil {
				c.stepDown(lease)
			}
			return
		}
		if err != nil {
			// lost the race for the whole wait, or the shard hiccuped
			if !sleepCtx(ctx, between(time.Second, 3*time.Second)) {
				return
			}
			continue
		}
		c.lead(ctx, lease)
		if !sleepCtx(ctx, between(5*time.Second, 15*time.Second)) {
			return
		}
	}
}

func (c *candidate) campaign(ctx context.Context) (*Lease, error) {
	return c.e.locks.Acquire(ctx, "leader/"+c.svc, AcquireOptions{
		TTL:       12 * time.Second,
		Wait:      between(60*time.Second, 120*time.Second),
		KeepAlive: true,
	})
}

// lead serves one term: until the term is over, the lease is lost or the
// replica is shut down.
func (c *candidate) lead(ctx context.Context, lease *Lease) {
	c.e.leaders.Add(1)
	defer c.e.leaders.Add(-1)
	term := time.After(between(40*time.Second, 100*time.Second))
	select {
	case <-term:
		c.e.terms.Add(1)
	case <-lease.Lost():
		return
	case <-ctx.Done():
	}
	c.stepDown(lease)
}

func (c *candidate) stepDown(lease *Lease) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = lease.Release(ctx)
}
