package main

import (
	"container/heap"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// deliveryQueue orders due reminders by due time (oldest first) so a
// backlog drains fairly. Senders block on the condition variable while
// there is nothing to send for their channel.
type deliveryQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	byCh  [3]dueHeap
	total int
}

type dueHeap []*Reminder

func (h dueHeap) Len() int            { return len(h) }
func (h dueHeap) Less(i, j int) bool  { return h[i].Due.Before(h[j].Due) }
func (h dueHeap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x interface{}) { *h = append(*h, x.(*Reminder)) }
func (h *dueHeap) Pop() interface{} {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}

func newDeliveryQueue() *deliveryQueue {
	q := &deliveryQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *deliveryQueue) Push(r *Reminder) {
	q.mu.Lock()
	heap.Push(&q.byCh[r.Channel], r)
	q.total++
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *deliveryQueue) Next(ch Channel) *Reminder {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.byCh[ch].Len() == 0 {
		q.cond.Wait()
	}
	q.total--
	return heap.Pop(&q.byCh[ch]).(*Reminder)
}

func (q *deliveryQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// sender pushes reminders out through one channel provider.
type sender struct {
	ch      Channel
	q       *deliveryQueue
	sched   *Scheduler
	streams *streamHub
	dedupe  *idemCache

	sent, snoozed int64
}

func (s *sender) run() {
	for {
		r := s.q.Next(s.ch)
		key := r.User + "/" + r.Text
		if !s.dedupe.Add(key, 20*time.Second) {
			continue // same reminder text to the same user just went out
		}
		switch s.ch {
		case Push:
			time.Sleep(time.Duration(1+rand.Intn(5)) * time.Millisecond)
		case Email:
			time.Sleep(time.Duration(10+rand.Intn(40)) * time.Millisecond)
		case SMS:
			time.Sleep(time.Duration(20+rand.Intn(80)) * time.Millisecond)
		}
		atomic.AddInt64(&s.sent, 1)
		s.streams.Notify(r.User, r)

		// Some people hit "snooze".
		if r.Snoozes < 3 && rand.Intn(5) == 0 {
			atomic.AddInt64(&s.snoozed, 1)
			s.sched.Schedule(&Reminder{
				User:    r.User,
				Text:    r.Text,
				Channel: r.Channel,
				Due:     time.Now().Add(time.Duration(20+rand.Intn(70)) * time.Second),
				Snoozes: r.Snoozes + 1,
			})
		}
	}
}

// idemCache remembers keys for a while (idempotency / dedupe), with a
// janitor sweeping expired entries.
type idemCache struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newIdemCache() *idemCache { return &idemCache{m: make(map[string]time.Time)} }

// Add records key and reports whether it was new (or expired).
func (c *idemCache) Add(key string, ttl time.Duration) bool {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[key]; ok && now.Before(exp) {
		return false
	}
	c.m[key] = now.Add(ttl)
	return true
}

func (c *idemCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *idemCache) janitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		c.mu.Lock()
		for k, exp := range c.m {
			if now.After(exp) {
				delete(c.m, k)
			}
		}
		c.mu.Unlock()
	}
}
