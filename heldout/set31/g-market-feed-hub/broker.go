package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one price update.
type Event struct {
	Seq    uint64
	Topic  string
	Symbol string
	Price  float64
	At     time.Time
}

// Broker routes published events to the subscriptions of their topic.
type Broker struct {
	maxPending int

	mu     sync.Mutex
	seq    uint64
	topics map[string]map[*Subscription]struct{}

	published uint64
	dropped   uint64
}

type BrokerStats struct {
	Published   uint64 `json:"published"`
	Dropped     uint64 `json:"dropped"`
	Subscribers int    `json:"subscribers"`
}

func NewBroker(maxPending int) *Broker {
	return &Broker{
		maxPending: maxPending,
		topics:     make(map[string]map[*Subscription]struct{}),
	}
}

// Subscription delivers the events of one topic on C. The consumer must
// keep receiving from C until it is closed, also after calling Close.
type Subscription struct {
	ID    string
	Topic string
	C     <-chan Event

	out    chan Event
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	broker *Broker

	mu      sync.Mutex
	pending []Event
}

// Subscribe registers a subscription and starts its forwarder. It returns
// immediately; the forwarder lives until the subscription is closed.
func (b *Broker) Subscribe(parent context.Context, id, topic string) *Subscription {
	ctx, cancel := context.WithCancel(parent)
	out := make(chan Event)
	s := &Subscription{
		ID:     id,
		Topic:  topic,
		C:      out,
		out:    out,
		wake:   make(chan struct{}, 1),
		ctx:    ctx,
		cancel: cancel,
		broker: b,
	}
	b.mu.Lock()
	set := b.topics[topic]
	if set == nil {
		set = make(map[*Subscription]struct{})
		b.topics[topic] = set
	}
	set[s] = struct{}{}
	b.mu.Unlock()

	go s.forward()
	return s
}

// Close asks the forwarder to stop; C is closed once it has.
func (s *Subscription) Close() { s.cancel() }

func (b *Broker) remove(s *Subscription) {
	b.mu.Lock()
	delete(b.topics[s.Topic], s)
	b.mu.Unlock()
}

// Publish stamps an event and queues it for every subscriber of the topic.
func (b *Broker) Publish(topic, symbol string, price float64) uint64 {
	b.mu.Lock()
	b.seq++
	ev := Event{Seq: b.seq, Topic: topic, Symbol: symbol, Price: price, At: time.Now()}
	subs := make([]*Subscription, 0, len(b.topics[topic]))
	for s := range b.topics[topic] {
		subs = append(subs, s)
	}
	b.mu.Unlock()

	for _, s := range subs {
		if s.enqueue(ev, b.maxPending) {
			atomic.AddUint64(&b.dropped, 1)
		}
	}
	atomic.AddUint64(&b.published, 1)
	return ev.Seq
}

func (b *Broker) Stats() BrokerStats {
	b.mu.Lock()
	n := 0
	for _, set := range b.topics {
		n += len(set)
	}
	b.mu.Unlock()
	return BrokerStats{
		Published:   atomic.LoadUint64(&b.published),
		Dropped:     atomic.LoadUint64(&b.dropped),
		Subscribers: n,
	}
}

// enqueue appends ev to the pending queue, dropping the oldest event when
// the queue is full. It reports whether something was dropped.
func (s *Subscription) enqueue(ev Event, max int) (dropped bool) {
	s.mu.Lock()
	if len(s.pending) >= max {
		copy(s.pending, s.pending[1:])
		s.pending = s.pending[:len(s.pending)-1]
		dropped = true
	}
	s.pending = append(s.pending, ev)
	s.mu.Unlock()

	select {
	case s.wake <- struct{}{}:
	default:
	}
	return dropped
}

// forward moves pending events to the consumer one at a time. The send
// blocks while the consumer is busy; that is the back-pressure point.
func (s *Subscription) forward() {
	defer close(s.out)
	defer s.broker.remove(s)
	for {
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		s.mu.Unlock()

		if len(batch) == 0 {
			select {
			case <-s.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		for _, ev := range batch {
			if s.ctx.Err() != nil {
				return
			}
			s.out <- ev
		}
	}
}
