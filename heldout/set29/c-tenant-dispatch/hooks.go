package main

import (
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

type webhook struct {
	tenant  string
	event   string
	body    []byte
	created time.Time
	attempt int
}

// hookQueue is a bounded FIFO shared by the webhook senders. Senders sleep
// on notEmpty; pushers never block (oldest entries are shed instead).
type hookQueue struct {
	mu       sync.Mutex
	notEmpty *sync.Cond
	items    []webhook
	max      int

	shed int64
}

func newHookQueue(max int) *hookQueue {
	q := &hookQueue{max: max}
	q.notEmpty = sync.NewCond(&q.mu)
	return q
}

func (q *hookQueue) Push(h webhook) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		q.items = q.items[1:]
		q.shed++
	}
	q.items = append(q.items, h)
	q.mu.Unlock()
	q.notEmpty.Signal()
}

func (q *hookQueue) Pop() webhook {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.notEmpty.Wait()
	}
	h := q.items[0]
	q.items[0] = webhook{}
	q.items = q.items[1:]
	return h
}

func (q *hookQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// hookSender delivers webhooks; failed deliveries are retried with
// exponential backoff on a timer rather than by holding a sender.
type hookSender struct {
	q        *hookQueue
	breakers *breakerSet

	delivered, failed, dropped int64
}

func (s *hookSender) run() {
	for {
		h := s.q.Pop()
		if !s.breakers.Allow(h.tenant) {
			s.retryLater(h)
			continue
		}
		// Simulated HTTP POST to the tenant's endpoint.
		time.Sleep(time.Duration(3+rand.Intn(20)) * time.Millisecond)
		if rand.Intn(100) < failureRate(h.tenant) {
			atomic.AddInt64(&s.failed, 1)
			s.breakers.Failure(h.tenant)
			s.retryLater(h)
			continue
		}
		s.breakers.Success(h.tenant)
		atomic.AddInt64(&s.delivered, 1)
	}
}

func (s *hookSender) retryLater(h webhook) {
	h.attempt++
	if h.attempt > 5 {
		atomic.AddInt64(&s.dropped, 1)
		return
	}
	backoff := time.Duration(1<<uint(h.attempt)) * 250 * time.Millisecond
	time.AfterFunc(backoff, func() { s.q.Push(h) })
}

// failureRate makes a few tenants' endpoints flaky.
func failureRate(tenant string) int {
	sum := 0
	for i := 0; i < len(tenant); i++ {
		sum += int(tenant[i])
	}
	if sum%17 == 0 {
		return 60
	}
	return 3
}

// breakerSet is a circuit breaker per tenant endpoint.
type breakerSet struct {
	threshold int
	cooldown  time.Duration

	mu sync.Mutex
	m  map[string]*breaker
}

type breaker struct {
	fails     int
	openUntil time.Time
	lastUsed  time.Time
}

func newBreakerSet(threshold int, cooldown time.Duration) *breakerSet {
	return &breakerSet{threshold: threshold, cooldown: cooldown, m: make(map[string]*breaker)}
}

func (b *breakerSet) get(t string) *breaker {
	br, ok := b.m[t]
	if !ok {
		br = &breaker{}
		b.m[t] = br
	}
	br.lastUsed = time.Now()
	return br
}

func (b *breakerSet) Allow(t string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().After(b.get(t).openUntil)
}

func (b *breakerSet) Failure(t string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.get(t)
	br.fails++
	if br.fails >= b.threshold {
		br.openUntil = time.Now().Add(b.cooldown)
		br.fails = 0
	}
}

func (b *breakerSet) Success(t string) {
	b.mu.Lock()
	b.get(t).fails = 0
	b.mu.Unlock()
}

// sweep forgets breakers for endpoints not used in a while.
func (b *breakerSet) sweep(every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		b.mu.Lock()
		for k, br := range b.m {
			if now.Sub(br.lastUsed) > idle {
				delete(b.m, k)
			}
		}
		b.mu.Unlock()
	}
}
