package main

import (
	"context"
	"errors"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errAckTimeout = errors.New("no confirm from sink within ack timeout")

type bridgeConfig struct {
	Forwarders  int
	AckTimeout  time.Duration // how long to wait for the sink's confirm
	MaxAttempts int           // publishes per delivery before handing it back
	Backoff     time.Duration // first retry delay, doubled per attempt
	Redeliver   time.Duration // NACK delay for deliveries we give up on
}

type bridgeStats struct {
	forwarded, acked, nacked, retries, ackTimeouts, rejected, ackErrors int64
}

// bridge moves events from the source work queue to the sink log. A
// delivery is acked upstream only once the sink has confirmed it; a
// publish whose confirm does not arrive in time is redelivered, and after
// MaxAttempts the delivery is handed back to the source for later.
type bridge struct {
	cfg      bridgeConfig
	src      *sourceConsumer
	sink     *sinkPublisher
	confirms *confirmTracker
	routes   map[string]string
	stats    bridgeStats
}

func (b *bridge) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < b.cfg.Forwarders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.forwarder(ctx)
		}()
	}
	wg.Wait()
	log.Printf("bridge: source closed, forwarders stopped")
}

func (b *bridge) forwarder(ctx context.Context) {
	for {
		select {
		case d, ok := <-b.src.deliveries:
			if !ok {
				return
			}
			b.forward(ctx, d)
		case <-ctx.Done():
			return
		}
	}
}

// topicFor routes an event by its type prefix ("order.created" -> "fulfilment").
func (b *bridge) topicFor(payload string) string {
	typ := payload
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = typ[:i]
	}
	typ = strings.TrimPrefix(typ, "type=")
	if i := strings.IndexByte(typ, '.'); i >= 0 {
		typ = typ[:i]
	}
	if t, ok := b.routes[typ]; ok {
		return t
	}
	return "unrouted"
}

func (b *bridge) forward(ctx context.Context, d *delivery) {
	topic := b.topicFor(d.payload)
	backoff := b.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := b.publishConfirmed(ctx, topic, d.payload)
		if err == nil {
			atomic.AddInt64(&b.stats.forwarded, 1)
			if b.src.ack(d.tag) != nil {
				atomic.AddInt64(&b.stats.ackErrors, 1)
			} else {
				atomic.AddInt64(&b.stats.acked, 1)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == b.cfg.MaxAttempts {
			log.Printf("bridge: giving up on delivery %s (attempt %d upstream): %v", d.tag, d.attempt, err)
			atomic.AddInt64(&b.stats.nacked, 1)
			b.src.nack(d.tag, b.cfg.Redeliver)
			return
		}
		atomic.AddInt64(&b.stats.retries, 1)
		if pause(ctx, backoff+jitter(0, backoff)) != nil {
			return
		}
		backoff *= 2
	}
}

// publishConfirmed publishes one event and waits for the sink's confirm,
// at most AckTimeout.
func (b *bridge) publishConfirmed(ctx context.Context, topic, payload string) error {
	seq, confirmed := b.confirms.expect()
	if err := b.sink.publish(seq, topic, payload); err != nil {
		b.confirms.forget(seq)
		return err
	}
	timer := time.NewTimer(b.cfg.AckTimeout)
	defer timer.Stop()
	select {
	case err := <-confirmed:
		if err != nil {
			atomic.AddInt64(&b.stats.rejected, 1)
		}
		return err
	case <-timer.C:
		atomic.AddInt64(&b.stats.ackTimeouts, 1)
		return errAckTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watchLag logs the source backlog every few seconds.
func (b *bridge) watchLag(ctx context.Context, probe *depthProbe, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ready, leased, err := probe.depth(2 * time.Second)
			if err != nil {
				log.Printf("lag probe: %v", err)
				continue
			}
			s := &b.stats
			log.Printf("source ready=%d leased=%d | forwarded=%d acked=%d retries=%d ack-timeouts=%d rejected=%d nacked=%d | confirms pending=%d resolved=%d unknown=%d",
				ready, leased, atomic.LoadInt64(&s.forwarded), atomic.LoadInt64(&s.acked),
				atomic.LoadInt64(&s.retries), atomic.LoadInt64(&s.ackTimeouts), atomic.LoadInt64(&s.rejected),
				atomic.LoadInt64(&s.nacked), b.confirms.pending(),
				atomic.LoadInt64(&b.confirms.resolved), atomic.LoadInt64(&b.confirms.unknown))
		}
	}
}
