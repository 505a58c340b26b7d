package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Relay terminates client subscriptions and maps each one onto its own
// upstream feed stream. A reader goroutine per stream decodes the frames
// and routes them to the subscription's buffer by subscription id.
type Relay struct {
	upstream string
	dialer   net.Dialer
	bufSize  int

	nextID uint32

	mu   sync.Mutex
	subs map[uint32]*subscription

	stats relayStats
}

type relayStats struct {
	subscribed   int64
	released     int64
	frames       int64
	heartbeats   int64
	orphanFrames int64
	dropped      int64
	upstreamErrs int64
}

type subscription struct {
	id      uint32
	topic   string
	created time.Time
	stream  *upstreamStream

	frames    chan frame
	lastSeen  int64 // unix nanos of the last poll or stream write
	streaming int32 // set while a /stream handler owns the subscription
}

// upstreamStream is one TCP stream to the feed server.
type upstreamStream struct {
	relay *Relay
	conn  net.Conn
	subID uint32
	topic string

	closeOnce sync.Once
}

var errUnknownSubscription = errors.New("relay: unknown subscription")

func NewRelay(upstream string, bufSize int) *Relay {
	return &Relay{
		upstream: upstream,
		dialer:   net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second},
		bufSize:  bufSize,
		subs:     make(map[uint32]*subscription),
	}
}

// Subscribe opens an upstream stream for topic and starts its reader.
func (r *Relay) Subscribe(ctx context.Context, topic string) (*subscription, error) {
	id := atomic.AddUint32(&r.nextID, 1)
	conn, err := r.dialer.DialContext(ctx, "tcp", r.upstream)
	if err != nil {
		atomic.AddInt64(&r.stats.upstreamErrs, 1)
		return nil, fmt.Errorf("dial upstream: %w", err)
	}
	conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(conn, "SUB %s %d\n", topic, id); err != nil {
		conn.Close()
		atomic.AddInt64(&r.stats.upstreamErrs, 1)
		return nil, fmt.Errorf("upstream handshake: %w", err)
	}
	conn.SetWriteDeadline(time.Time{})

	st := &upstreamStream{relay: r, conn: conn, subID: id, topic: topic}
	sub := &subscription{
		id:       id,
		topic:    topic,
		created:  time.Now(),
		stream:   st,
		frames:   make(chan frame, r.bufSize),
		lastSeen: time.Now().UnixNano(),
	}
	r.mu.Lock()
	r.subs[id] = sub
	r.mu.Unlock()
	atomic.AddInt64(&r.stats.subscribed, 1)

	go st.readLoop()
	return sub, nil
}

func (r *Relay) lookup(id uint32) *subscription {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.subs[id]
}

// dropSub removes the subscription from the routing table; frames that
// still arrive for it are discarded by the reader.
func (r *Relay) dropSub(id uint32) *subscription {
	r.mu.Lock()
	sub, ok := r.subs[id]
	if ok {
		delete(r.subs, id)
	}
	r.mu.Unlock()
	if ok {
		atomic.AddInt64(&r.stats.released, 1)
	}
	return sub
}

// Unsubscribe removes the subscription and closes its upstream stream,
// which ends the reader.
func (r *Relay) Unsubscribe(id uint32) error {
	sub := r.dropSub(id)
	if sub == nil {
		return errUnknownSubscription
	}
	sub.stream.close()
	return nil
}

func (st *upstreamStream) close() {
	st.closeOnce.Do(func() { st.conn.Close() })
}

// readLoop decodes frames until the stream fails or is closed. Frames for
// a subscription that is no longer in the routing table (it raced with an
// unsubscribe) are counted and dropped.
func (st *upstreamStream) readLoop() {
	r := st.relay
	fr := newFrameReader(st.conn)
	for {
		f, err := fr.next()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				atomic.AddInt64(&r.stats.upstreamErrs, 1)
				log.Printf("relay: upstream stream %d (%s): %v", st.subID, st.topic, err)
			}
			r.dropSub(st.subID)
			st.close()
			return
		}
		switch f.kind {
		case frameHeartbeat:
			atomic.AddInt64(&r.stats.heartbeats, 1)
			continue
		case frameEnd:
			log.Printf("relay: upstream ended stream %d: %s", st.subID, f.payload)
			r.dropSub(st.subID)
			st.close()
			return
		}
		sub := r.lookup(f.subID)
		if sub == nil {
			atomic.AddInt64(&r.stats.orphanFrames, 1)
			continue
		}
		atomic.AddInt64(&r.stats.frames, 1)
		sub.deliver(f, &r.stats.dropped)
	}
}

// deliver queues f for the client, dropping the oldest queued frame when
// the client is not keeping up.
func (s *subscription) deliver(f frame, dropped *int64) {
	for {
		select {
		case s.frames <- f:
			return
		default:
		}
		select {
		case <-s.frames:
			atomic.AddInt64(dropped, 1)
		default:
		}
	}
}

func (s *subscription) touch() { atomic.StoreInt64(&s.lastSeen, time.Now().UnixNano()) }

// reapIdle unsubscribes polling clients that stopped polling.
func (r *Relay) reapIdle(ctx context.Context, every, maxIdle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-maxIdle).UnixNano()
		var idle []uint32
		r.mu.Lock()
		for id, s := range r.subs {
			if atomic.LoadInt32(&s.streaming) == 0 && atomic.LoadInt64(&s.lastSeen) < cutoff {
				idle = append(idle, id)
			}
		}
		r.mu.Unlock()
		for _, id := range idle {
			r.Unsubscribe(id)
		}
		if len(idle) > 0 {
			log.Printf("relay: reaped %d idle subscriptions", len(idle))
		}
	}
}

func (r *Relay) activeSubs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs)
}
