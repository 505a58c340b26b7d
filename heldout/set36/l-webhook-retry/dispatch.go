package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type event struct {
	ID       string          `json:"id"`
	Topic    string          `json:"topic"`
	Payload  json.RawMessage `json:"payload"`
	Received time.Time       `json:"-"`
}

// eventState tracks one event until every subscriber has it (or has
// given up); done is closed then.
type eventState struct {
	ev       *event
	done     chan struct{}
	outcomes []outcome
}

type outcome struct {
	Endpoint string `json:"endpoint"`
	Result   string `json:"result"`
	Attempts int    `json:"attempts"`
}

const maxAttempts = 7

// dispatcher fans every accepted event out to the endpoints subscribed to
// its topic and waits for all deliveries before recording the event.
type dispatcher struct {
	ctx      context.Context
	registry *registry
	client   *http.Client
	backoff  backoffPolicy
	ledger   *ledger

	queue chan *event
	slots chan struct{} // bounds events in flight

	mu     sync.Mutex
	events map[string]*eventState

	accepted, completed, attempts int64
}

func newDispatcher(ctx context.Context, reg *registry, lg *ledger) *dispatcher {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	return &dispatcher{
		ctx:      ctx,
		registry: reg,
		client:   &http.Client{Transport: tr},
		backoff:  backoffPolicy{Base: time.Second, Factor: 2, Max: 40 * time.Second},
		ledger:   lg,
		queue:    make(chan *event, 64),
		slots:    make(chan struct{}, 600),
		events:   make(map[string]*eventState),
	}
}

// Submit queues an event; it blocks while the queue is full.
func (d *dispatcher) Submit(ctx context.Context, ev *event) error {
	select {
	case d.queue <- ev:
		atomic.AddInt64(&d.accepted, 1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *dispatcher) run() {
	for {
		var ev *event
		select {
		case ev = <-d.queue:
		case <-d.ctx.Done():
			return
		}
		select {
		case d.slots <- struct{}{}:
		case <-d.ctx.Done():
			return
		}
		st := &eventState{ev: ev, done: make(chan struct{})}
		d.mu.Lock()
		d.events[ev.ID] = st
		d.mu.Unlock()
		go d.deliverEvent(st)
	}
}

func (d *dispatcher) lookup(id string) *eventState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.events[id]
}

// deliverEvent starts one delivery per subscriber and waits for all of
// them; then the event goes to the ledger.
func (d *dispatcher) deliverEvent(st *eventState) {
	defer func() { <-d.slots }()
	subs := d.registry.subscribers(st.ev.Topic)
	st.outcomes = make([]outcome, len(subs))

	var wg sync.WaitGroup
	for i, ep := range subs {
		del := &webhookDelivery{disp: d, ep: ep, ev: st.ev, out: &st.outcomes[i]}
		wg.Add(1)
		go del.run(d.ctx, &wg)
	}
	wg.Wait()

	close(st.done)
	d.mu.Lock()
	delete(d.events, st.ev.ID)
	d.mu.Unlock()
	atomic.AddInt64(&d.completed, 1)
	d.ledger.Record(st.ev, st.outcomes)
}

// webhookDelivery delivers one event to one endpoint, redelivering with
// backoff until it succeeds or runs out of attempts.
type webhookDelivery struct {
	disp *dispatcher
	ep   *endpoint
	ev   *event
	out  *outcome
}

func (w *webhookDelivery) run(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	w.out.Endpoint = w.ep.id
	for attempt := 1; ; attempt++ {
		w.out.Attempts = attempt
		select {
		case <-w.ep.circuit.Ready():
		case <-ctx.Done():
			w.out.Result = "aborted"
			return
		}
		status, retryAfter, err := w.post(ctx, attempt)
		var delay time.Duration
		switch {
		case err == nil && status < 300:
			w.ep.circuit.Success()
			atomic.AddInt64(&w.ep.delivered, 1)
			w.out.Result = "delivered"
			return
		case status == http.StatusGone:
			w.out.Result = "unsubscribed"
			return
		case status == http.StatusTooManyRequests && retryAfter > 0:
			delay = retryAfter
		default:
			w.ep.circuit.Failure()
			delay = w.disp.backoff.Delay(attempt)
		}
		if attempt == maxAttempts {
			atomic.AddInt64(&w.ep.failed, 1)
			w.out.Result = "dead-letter"
			return
		}
		if err := w.awaitRetry(ctx, newRetryTimer(delay, attempt+1)); err != nil {
			w.out.Result = "aborted"
			return
		}
	}
}

// awaitRetry parks the delivery until its retry comes due.
func (w *webhookDelivery) awaitRetry(ctx context.Context, rt *retryTimer) error {
	w.ep.pending.add(rt)
	defer w.ep.pending.remove(rt)
	select {
	case <-rt.C():
		return nil
	case <-ctx.Done():
		rt.Stop()
		return ctx.Err()
	}
}

func (w *webhookDelivery) post(ctx context.Context, attempt int) (int, time.Duration, error) {
	atomic.AddInt64(&w.disp.attempts, 1)
	body, _ := json.Marshal(w.ev)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.ep.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Webhook-Id", w.ev.ID)
	req.Header.Set("Webhook-Attempt", strconv.Itoa(attempt))
	resp, err := w.disp.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var ra time.Duration
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			ra = time.Duration(n) * time.Second
		}
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, ra, fmt.Errorf("endpoint %s: %s", w.ep.id, resp.Status)
	}
	return resp.StatusCode, ra, nil
}
