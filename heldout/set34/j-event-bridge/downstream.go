package main

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// confirmTracker matches the sink's asynchronous publish confirms to the
// forwarders waiting for them.
type confirmTracker struct {
	mu      sync.Mutex
	next    uint64
	waiters map[uint64]chan error

	resolved, unknown int64
}

func newConfirmTracker() *confirmTracker {
	return &confirmTracker{waiters: make(map[uint64]chan error)}
}

// expect allocates the next publish sequence number and the channel its
// confirm will be delivered on.
func (t *confirmTracker) expect() (uint64, <-chan error) {
	ch := make(chan error)
	t.mu.Lock()
	t.next++
	seq := t.next
	t.waiters[seq] = ch
	t.mu.Unlock()
	return seq, ch
}

// forget drops a waiter whose publish never reached the sink.
func (t *confirmTracker) forget(seq uint64) {
	t.mu.Lock()
	delete(t.waiters, seq)
	t.mu.Unlock()
}

func (t *confirmTracker) resolve(seq uint64, err error) {
	t.mu.Lock()
	ch, ok := t.waiters[seq]
	delete(t.waiters, seq)
	t.mu.Unlock()
	if !ok {
		atomic.AddInt64(&t.unknown, 1)
		return
	}
	atomic.AddInt64(&t.resolved, 1)
	// Don't hold up the confirm stream while the forwarder gets round
	// to reading its result.
	go t.handoff(ch, err)
}

func (t *confirmTracker) handoff(ch chan<- error, err error) {
	ch <- err
}

func (t *confirmTracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.waiters)
}

// sinkPublisher publishes into the sink log over one connection and feeds
// the confirms it reads back into the tracker.
type sinkPublisher struct {
	conn     *lineConn
	confirms *confirmTracker
}

func dialSink(addr string, confirms *confirmTracker) (*sinkPublisher, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &sinkPublisher{conn: newLineConn(c), confirms: confirms}, nil
}

func (p *sinkPublisher) publish(seq uint64, topic, payload string) error {
	return p.conn.writeLine(time.Second, "PUB", strconv.FormatUint(seq, 10), topic, payload)
}

func (p *sinkPublisher) confirmLoop() {
	for {
		f, err := p.conn.readFields()
		if err != nil {
			return
		}
		if len(f) != 3 || f[0] != "CONF" {
			continue
		}
		seq, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		var res error
		if f[2] != "ok" {
			res = fmt.Errorf("sink rejected publish %d: %s", seq, f[2])
		}
		p.confirms.resolve(seq, res)
	}
}
