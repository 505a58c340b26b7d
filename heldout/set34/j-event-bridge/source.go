package main

import (
	"context"
	"log"
	"net"
	"strconv"
	"sync"
	"time"
)

// sourceBroker is the upstream work queue the bridge drains. Consumers
// subscribe with a prefetch window; every delivery must be acked within
// the visibility timeout or it is redelivered, and a NACK puts the
// message back after the delay the consumer asks for.
type sourceBroker struct {
	ln         net.Listener
	visibility time.Duration

	mu     sync.Mutex
	queues map[string]*workQueue
	nextID uint64
}

type message struct {
	id       uint64
	attempt  int
	payload  string
	enqueued time.Time
}

type lease struct {
	msg      *message
	sub      *subscription
	deadline time.Time
}

type workQueue struct {
	name     string
	mu       sync.Mutex
	ready    []*message
	notEmpty chan struct{} // 1-buffered wake-up
	leases   map[uint64]*lease
	nextTag  uint64

	published, redelivered, acked, nacked int64
}

func startSourceBroker(ctx context.Context, visibility time.Duration) (*sourceBroker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &sourceBroker{ln: ln, visibility: visibility, queues: make(map[string]*workQueue)}
	go b.acceptLoop(ctx)
	return b, nil
}

func (b *sourceBroker) Addr() string { return b.ln.Addr().String() }

func (b *sourceBroker) queue(name string) *workQueue {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[name]
	if !ok {
		q = &workQueue{name: name, notEmpty: make(chan struct{}, 1), leases: make(map[uint64]*lease)}
		b.queues[name] = q
		go q.expireLeases(b.visibility / 10)
	}
	return q
}

func (b *sourceBroker) acceptLoop(ctx context.Context) {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("source: accept: %v", err)
			}
			return
		}
		go b.serve(newLineConn(c))
	}
}

// serve runs one client connection: producers PUB, consumers SUB and then
// ACK/NACK their deliveries.
func (b *sourceBroker) serve(c *lineConn) {
	defer c.Close()
	var sub *subscription
	defer func() {
		if sub != nil {
			sub.close()
		}
	}()
	for {
		f, err := c.readFields()
		if err != nil {
			return
		}
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PUB": // PUB queue payload
			if len(f) != 3 {
				c.writeLine(time.Second, "ERR", "usage")
				continue
			}
			id := b.publish(f[1], f[2])
			c.writeLine(2*time.Second, "OK", strconv.FormatUint(id, 10))
		case "SUB": // SUB queue prefetch
			if sub != nil || len(f) != 3 {
				c.writeLine(time.Second, "ERR", "bad subscribe")
				continue
			}
			prefetch, _ := strconv.Atoi(f[2])
			if prefetch <= 0 {
				prefetch = 16
			}
			sub = newSubscription(b.queue(f[1]), c, prefetch, b.visibility)
			go sub.deliverLoop()
		case "ACK": // ACK tag
			if sub != nil && len(f) == 2 {
				tag, _ := strconv.ParseUint(f[1], 10, 64)
				sub.q.settle(tag, -1)
			}
		case "NACK": // NACK tag delay-ms
			if sub != nil && len(f) == 3 {
				tag, _ := strconv.ParseUint(f[1], 10, 64)
				ms, _ := strconv.Atoi(f[2])
				sub.q.settle(tag, time.Duration(ms)*time.Millisecond)
			}
		case "DEPTH": // DEPTH queue
			if len(f) == 2 {
				ready, leased := b.queue(f[1]).depth()
				c.writeLine(2*time.Second, "DEPTH", strconv.Itoa(ready), strconv.Itoa(leased))
			}
		default:
			c.writeLine(time.Second, "ERR", "unknown command")
		}
	}
}

func (b *sourceBroker) publish(queue, payload string) uint64 {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	b.mu.Unlock()
	q := b.queue(queue)
	q.push(&message{id: id, payload: payload, enqueued: time.Now()}, false)
	return id
}

func (q *workQueue) push(m *message, front bool) {
	q.mu.Lock()
	if front {
		q.ready = append([]*message{m}, q.ready...)
	} else {
		q.ready = append(q.ready, m)
		q.published++
	}
	q.mu.Unlock()
	select {
	case q.notEmpty <- struct{}{}:
	default:
	}
}

// take pops the next ready message, waiting until there is one or stop
// is closed.
func (q *workQueue) take(stop <-chan struct{}) *message {
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			m := q.ready[0]
			q.ready = q.ready[1:]
			more := len(q.ready) > 0
			q.mu.Unlock()
			if more {
				select {
				case q.notEmpty <- struct{}{}:
				default:
				}
			}
			return m
		}
		q.mu.Unlock()
		select {
		case <-q.notEmpty:
		case <-stop:
			return nil
		}
	}
}

func (q *workQueue) lease(m *message, sub *subscription, visibility time.Duration) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextTag++
	q.leases[q.nextTag] = &lease{msg: m, sub: sub, deadline: time.Now().Add(visibility)}
	return q.nextTag
}

// settle ends a lease: ack when delay < 0, otherwise requeue after delay.
// Tags of leases that already expired are ignored.
func (q *workQueue) settle(tag uint64, delay time.Duration) {
	q.mu.Lock()
	l, ok := q.leases[tag]
	if ok {
		delete(q.leases, tag)
		if delay < 0 {
			q.acked++
		} else {
			q.nacked++
		}
	}
	q.mu.Unlock()
	if !ok {
		return
	}
	l.sub.release()
	if delay >= 0 {
		m := l.msg
		m.attempt++
		time.AfterFunc(delay, func() { q.push(m, true) })
	}
}

// expireLeases redelivers messages whose consumer did not settle them
// within the visibility timeout.
func (q *workQueue) expireLeases(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		var expired []*lease
		q.mu.Lock()
		for tag, l := range q.leases {
			if now.After(l.deadline) {
				expired = append(expired, l)
				delete(q.leases, tag)
				q.redelivered++
			}
		}
		q.mu.Unlock()
		for _, l := range expired {
			l.sub.release()
			l.msg.attempt++
			q.push(l.msg, true)
		}
	}
}

func (q *workQueue) depth() (ready, leased int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready), len(q.leases)
}

// subscription pushes messages to one consumer connection while it has
// prefetch credit left.
type subscription struct {
	q          *workQueue
	conn       *lineConn
	visibility time.Duration
	credit     chan struct{} // one token per unsettled delivery
	closed     chan struct{}
	once       sync.Once
}

func newSubscription(q *workQueue, c *lineConn, prefetch int, visibility time.Duration) *subscription {
	return &subscription{q: q, conn: c, visibility: visibility,
		credit: make(chan struct{}, prefetch), closed: make(chan struct{})}
}

func (s *subscription) release() {
	select {
	case <-s.credit:
	default:
	}
}

func (s *subscription) close() {
	s.once.Do(func() {
		close(s.closed)
		// Hand back everything this consumer still holds.
		s.q.mu.Lock()
		var orphans []*message
		for tag, l := range s.q.leases {
			if l.sub == s {
				orphans = append(orphans, l.msg)
				delete(s.q.leases, tag)
			}
		}
		s.q.mu.Unlock()
		for _, m := range orphans {
			s.q.push(m, true)
		}
	})
}

func (s *subscription) deliverLoop() {
	for {
		select {
		case s.credit <- struct{}{}:
		case <-s.closed:
			return
		}
		m := s.q.take(s.closed)
		if m == nil {
			return
		}
		tag := s.q.lease(m, s, s.visibility)
		err := s.conn.writeLine(5*time.Second, "MSG", strconv.FormatUint(tag, 10),
			strconv.Itoa(m.attempt), m.payload)
		if err != nil {
			s.close()
			s.conn.Close()
			return
		}
	}
}
