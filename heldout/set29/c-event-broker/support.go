package main

import (
	"sync"
	"time"
)

// retainedStore keeps the last message per topic for late joiners, with
// per-entry expiry.
type retainedStore struct {
	ttl time.Duration

	mu   sync.Mutex
	last map[string]retained
}

type retained struct {
	msg     Message
	expires time.Time
}

func newRetainedStore(ttl time.Duration) *retainedStore {
	return &retainedStore{ttl: ttl, last: make(map[string]retained)}
}

func (r *retainedStore) Put(m Message) {
	r.mu.Lock()
	r.last[m.Topic] = retained{msg: m, expires: m.At.Add(r.ttl)}
	r.mu.Unlock()
}

func (r *retainedStore) Get(topic string) (Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.last[topic]
	if !ok || time.Now().After(e.expires) {
		return Message{}, false
	}
	return e.msg, true
}

func (r *retainedStore) Delete(topic string) {
	r.mu.Lock()
	delete(r.last, topic)
	r.mu.Unlock()
}

func (r *retainedStore) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.last)
}

func (r *retainedStore) janitor(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		r.mu.Lock()
		for k, e := range r.last {
			if now.After(e.expires) {
				delete(r.last, k)
			}
		}
		r.mu.Unlock()
	}
}

// deadLetters collects messages the broker could not deliver. A couple of
// workers pick them up for logging/replay; they sleep on a condition
// variable while the queue is empty.
type deadLetters struct {
	mu    sync.Mutex
	cond  *sync.Cond
	queue []deadLetter
	max   int

	handled, discarded int
}

type deadLetter struct {
	topic  string
	seq    uint64
	reason string
	at     time.Time
}

func newDeadLetters(max int) *deadLetters {
	d := &deadLetters{max: max}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *deadLetters) Add(dl deadLetter) {
	d.mu.Lock()
	if len(d.queue) >= d.max {
		d.queue = d.queue[1:]
		d.discarded++
	}
	d.queue = append(d.queue, dl)
	d.mu.Unlock()
	d.cond.Signal()
}

func (d *deadLetters) take() deadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.queue) == 0 {
		d.cond.Wait()
	}
	dl := d.queue[0]
	d.queue = d.queue[1:]
	return dl
}

func (d *deadLetters) worker() {
	for {
		dl := d.take()
		// Pretend to write it to the replay log.
		time.Sleep(time.Duration(len(dl.topic)) * 100 * time.Microsecond)
		d.mu.Lock()
		d.handled++
		d.mu.Unlock()
	}
}

func (d *deadLetters) Counts() (pending, handled, discarded int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue), d.handled, d.discarded
}
