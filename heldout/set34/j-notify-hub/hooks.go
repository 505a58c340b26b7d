package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	hookQueueSize   = 24
	maxHookAttempts = 7
)

// hookRegistry owns the webhooks and their deliverers: one goroutine per
// registered hook, for as long as the hook is registered.
type hookRegistry struct {
	parent context.Context
	client *http.Client

	mu     sync.Mutex
	byID   map[string]*deliverer
	nextID int

	delivered, failed, deadLettered, dropped atomic.Int64
	retrying                                 atomic.Int32
}

func newHookRegistry(ctx context.Context, client *http.Client) *hookRegistry {
	return &hookRegistry{parent: ctx, client: client, byID: make(map[string]*deliverer)}
}

func (r *hookRegistry) add(prefix, target string) string {
	r.mu.Lock()
	r.nextID++
	id := fmt.Sprintf("wh_%04d", r.nextID)
	ctx, cancel := context.WithCancel(r.parent)
	d := &deliverer{
		id:      id,
		prefix:  prefix,
		target:  target,
		reg:     r,
		ctx:     ctx,
		cancel:  cancel,
		queue:   make(chan Event, hookQueueSize),
		backoff: backoff{base: 2 * time.Second, cap: 90 * time.Second},
	}
	r.byID[id] = d
	r.mu.Unlock()

	go d.run()
	return id
}

func (r *hookRegistry) remove(id string) bool {
	r.mu.Lock()
	d := r.byID[id]
	delete(r.byID, id)
	r.mu.Unlock()
	if d == nil {
		return false
	}
	d.cancel()
	return true
}

// fanout hands the event to every hook whose prefix matches. A hook whose
// queue is full (its endpoint is down and it is backing off) loses the
// event; the partner is expected to resync from the API.
func (r *hookRegistry) fanout(ev Event) {
	r.mu.Lock()
	var targets []*deliverer
	for _, d := range r.byID {
		if strings.HasPrefix(ev.Topic, d.prefix) {
			targets = append(targets, d)
		}
	}
	r.mu.Unlock()
	for _, d := range targets {
		select {
		case d.queue <- ev:
		default:
			r.dropped.Add(1)
		}
	}
}

type hookStats struct {
	hooks                                    int
	delivered, failed, deadLettered, dropped int64
	retrying                                 int32
}

func (r *hookRegistry) snapshot() hookStats {
	r.mu.Lock()
	n := len(r.byID)
	r.mu.Unlock()
	return hookStats{
		hooks: n, delivered: r.delivered.Load(), failed: r.failed.Load(),
		deadLettered: r.deadLettered.Load(), dropped: r.dropped.Load(), retrying: r.retrying.Load(),
	}
}

// deliverer posts a hook's events one at a time, in order. A failed post
// is retried after an exponential back-off (2 s doubling up to 90 s); an
// event that still fails after maxHookAttempts goes to the dead letters.
type deliverer struct {
	id, prefix, target string
	reg                *hookRegistry
	ctx                context.Context
	cancel             context.CancelFunc
	queue              chan Event
	backoff            backoff
}

func (d *deliverer) run() {
	for {
		select {
		case <-d.ctx.Done():
			return
		case ev := <-d.queue:
			if !d.deliver(ev) {
				return
			}
		}
	}
}

// deliver reports false when the hook was removed while it was retrying.
func (d *deliverer) deliver(ev Event) bool {
	for attempt := 1; ; attempt++ {
		err := d.post(ev, attempt)
		if err == nil {
			d.reg.delivered.Add(1)
			d.backoff.reset()
			return true
		}
		d.reg.failed.Add(1)
		if d.ctx.Err() != nil {
			return false
		}
		if attempt == maxHookAttempts {
			d.reg.deadLettered.Add(1)
			return true
		}
		retry := d.backoff.arm()
		d.reg.retrying.Add(1)
		ok := d.waitRetry(retry)
		d.reg.retrying.Add(-1)
		if !ok {
			return false
		}
	}
}

// waitRetry waits for a retry timer armed by backoff.arm, or for the hook
// to be removed.
func (d *deliverer) waitRetry(t *time.Timer) bool {
	select {
	case <-t.C:
		return true
	case <-d.ctx.Done():
		t.Stop()
		return false
	}
}

type hookPayload struct {
	Hook    string `json:"hook"`
	Attempt int    `json:"attempt"`
	Event   Event  `json:"event"`
}

func (d *deliverer) post(ev Event, attempt int) error {
	body, _ := json.Marshal(hookPayload{Hook: d.id, Attempt: attempt, Event: ev})
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, d.target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.reg.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", d.target, resp.Status)
	}
	return nil
}

// backoff is not safe for concurrent use; each deliverer owns one.
type backoff struct {
	base, cap time.Duration
	cur       time.Duration
}

func (b *backoff) reset() { b.cur = 0 }

// arm returns a timer for the next retry: the delay doubles on every call
// until reset, with up to 25% jitter either way.
func (b *backoff) arm() *time.Timer {
	if b.cur == 0 {
		b.cur = b.base
	} else if b.cur *= 2; b.cur > b.cap {
		b.cur = b.cap
	}
	spread := int64(b.cur / 2)
	d := b.cur - b.cur/4 + time.Duration(rand.Int63n(spread+1))
	return time.NewTimer(d)
}
