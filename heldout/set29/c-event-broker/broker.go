package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type Message struct {
	Topic   string
	Seq     uint64
	At      time.Time
	Payload []byte
}

type Handler func(Message)

// Subscription is one consumer attached to one topic. Messages are queued
// on ch and handed to the handler by the subscription's own pump goroutine,
// so a slow handler only ever slows down itself (and, through backpressure,
// publishers to its topic).
type Subscription struct {
	id     uint64
	topic  string
	ch     chan Message
	quit   chan struct{}
	handle Handler

	delivered uint64
	dropped   uint64
}

func (s *Subscription) pump() {
	for {
		select {
		case m, ok := <-s.ch:
			if !ok {
				return
			}
			s.handle(m)
			atomic.AddUint64(&s.delivered, 1)
		case <-s.quit:
			return
		}
	}
}

// drain discards whatever is still sent to a detached subscription.
func (s *Subscription) drain() {
	for range s.ch {
		atomic.AddUint64(&s.dropped, 1)
	}
}

type topic struct {
	name string

	mu       sync.Mutex
	subs     map[uint64]*Subscription
	seq      uint64
	emptyAt  time.Time
	closed   bool
	inflight sync.WaitGroup
}

type Broker struct {
	sendTimeout time.Duration
	retained    *retainedStore
	OnDrop      func(m Message, reason string)

	mu     sync.RWMutex
	topics map[string]*topic
	nextID uint64

	published, timedOut uint64
}

func NewBroker(sendTimeout time.Duration, retained *retainedStore) *Broker {
	return &Broker{
		sendTimeout: sendTimeout,
		retained:    retained,
		topics:      make(map[string]*topic),
	}
}

// topicFor returns the named topic, creating it on first use.
func (b *Broker) topicFor(name string) *topic {
	b.mu.RLock()
	t := b.topics[name]
	b.mu.RUnlock()
	if t != nil {
		return t
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t = b.topics[name]; t == nil {
		t = &topic{name: name, subs: make(map[uint64]*Subscription), emptyAt: time.Now()}
		b.topics[name] = t
	}
	return t
}

func (b *Broker) Subscribe(name string, buf int, h Handler) *Subscription {
	for {
		t := b.topicFor(name)
		s := &Subscription{
			id:     atomic.AddUint64(&b.nextID, 1),
			topic:  name,
			ch:     make(chan Message, buf),
			quit:   make(chan struct{}),
			handle: h,
		}
		t.mu.Lock()
		if t.closed {
			// Lost a race with the reaper; the next topicFor makes a new one.
			t.mu.Unlock()
			continue
		}
		t.subs[s.id] = s
		// New subscribers start with the retained message, if any.
		if m, ok := b.retained.Get(name); ok {
			select {
			case s.ch <- m:
			default:
			}
		}
		t.mu.Unlock()

		go s.pump()
		return s
	}
}

// Unsubscribe detaches s from its topic and stops its pump. A publisher may
// have picked s up before it was removed and still be trying to send to it,
// so s.ch is drained in the background rather than closed under its feet.
func (b *Broker) Unsubscribe(s *Subscription) {
	b.mu.RLock()
	t := b.topics[s.topic]
	b.mu.RUnlock()
	if t == nil {
		return
	}
	t.mu.Lock()
	_, ok := t.subs[s.id]
	delete(t.subs, s.id)
	if len(t.subs) == 0 {
		t.emptyAt = time.Now()
	}
	t.mu.Unlock()
	if !ok {
		return
	}
	close(s.quit)
	go s.drain()
}

// Publish delivers payload to every current subscriber of the topic,
// waiting up to sendTimeout per subscriber whose queue is full.
func (b *Broker) Publish(name string, payload []byte) int {
	t := b.topicFor(name)
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return 0
	}
	t.seq++
	m := Message{Topic: name, Seq: t.seq, At: time.Now(), Payload: payload}
	subs := make([]*Subscription, 0, len(t.subs))
	for _, s := range t.subs {
		subs = append(subs, s)
	}
	t.inflight.Add(1)
	t.mu.Unlock()
	defer t.inflight.Done()

	b.retained.Put(m)
	atomic.AddUint64(&b.published, 1)

	n := 0
	var timer *time.Timer
	for _, s := range subs {
		select {
		case s.ch <- m:
			n++
			continue
		default:
		}
		if timer == nil {
			timer = time.NewTimer(b.sendTimeout)
			defer timer.Stop()
		}
		select {
		case s.ch <- m:
			n++
		case <-timer.C:
			atomic.AddUint64(&b.timedOut, 1)
			atomic.AddUint64(&s.dropped, 1)
			if b.OnDrop != nil {
				b.OnDrop(m, "send timeout")
			}
			timer.Reset(b.sendTimeout)
		}
	}
	return n
}

// reap closes topics that have had no subscribers for a while. Closing a
// topic waits for in-flight publishes and then closes every remaining
// subscriber queue so the pumps finish.
func (b *Broker) reap(every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		var victims []*topic
		b.mu.Lock()
		for name, tp := range b.topics {
			tp.mu.Lock()
			if len(tp.subs) == 0 && now.Sub(tp.emptyAt) > idle {
				tp.closed = true
				delete(b.topics, name)
				victims = append(victims, tp)
			}
			tp.mu.Unlock()
		}
		b.mu.Unlock()
		for _, tp := range victims {
			b.closeTopic(tp)
		}
	}
}

func (b *Broker) closeTopic(tp *topic) {
	tp.inflight.Wait()
	tp.mu.Lock()
	subs := tp.subs
	tp.subs = nil
	tp.mu.Unlock()
	for _, s := range subs {
		close(s.ch)
	}
	b.retained.Delete(tp.name)
}

// CloseTopic force-closes a topic (admin action), ending all its
// subscriptions.
func (b *Broker) CloseTopic(name string) int {
	b.mu.Lock()
	tp := b.topics[name]
	if tp != nil {
		delete(b.topics, name)
		tp.mu.Lock()
		tp.closed = true
		tp.mu.Unlock()
	}
	b.mu.Unlock()
	if tp == nil {
		return 0
	}
	tp.mu.Lock()
	n := len(tp.subs)
	tp.mu.Unlock()
	b.closeTopic(tp)
	return n
}

type BrokerStats struct {
	Topics, Subs        int
	Published, TimedOut uint64
}

func (b *Broker) Stats() BrokerStats {
	var st BrokerStats
	b.mu.RLock()
	st.Topics = len(b.topics)
	for _, tp := range b.topics {
		tp.mu.Lock()
		st.Subs += len(tp.subs)
		tp.mu.Unlock()
	}
	b.mu.RUnlock()
	st.Published = atomic.LoadUint64(&b.published)
	st.TimedOut = atomic.LoadUint64(&b.timedOut)
	return st
}
