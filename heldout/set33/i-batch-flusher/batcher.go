package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type record struct {
	TS     time.Time
	Level  string
	Stream string
	Msg    string
}

type flushReason int

const (
	flushSize flushReason = iota
	flushTimer
	flushRetire
)

type batch struct {
	stream string
	recs   []record
	bytes  int
	reason flushReason
	made   time.Time
}

type BatcherConfig struct {
	MaxRecords     int           // flush as soon as a stream holds this many records
	MaxBytes       int           // ... or this many bytes of messages
	FlushEvery     time.Duration // otherwise flush whatever is pending this often
	IdleTTL        time.Duration // retire a stream's batcher after this long without records
	EnqueueTimeout time.Duration // how long a flush may wait for room in the sink queue
}

// Batcher keeps one streamBatcher per active stream.
type Batcher struct {
	cfg  BatcherConfig
	sink *sinkPool

	mu      sync.Mutex
	streams map[string]*streamBatcher

	created, retired                         int64
	sizeFlushes, timerFlushes, retireFlushes int64
	spilled                                  int64
}

type streamBatcher struct {
	key    string
	m      *Batcher
	ticker *time.Ticker
	kick   chan struct{} // signalled when the buffer is full

	mu      sync.Mutex
	buf     []record
	bytes   int
	lastAdd time.Time
	retired bool
}

func NewBatcher(sink *sinkPool, cfg BatcherConfig) *Batcher {
	return &Batcher{cfg: cfg, sink: sink, streams: make(map[string]*streamBatcher)}
}

// Add appends recs to the stream's pending batch.
func (m *Batcher) Add(stream string, recs []record) {
	for {
		if m.forStream(stream).add(recs) {
			return
		}
		// lost a race with the reaper; the next lookup makes a fresh one
	}
}

func (m *Batcher) forStream(stream string) *streamBatcher {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.streams[stream]; ok {
		return b
	}
	b := &streamBatcher{
		key:     stream,
		m:       m,
		ticker:  time.NewTicker(m.cfg.FlushEvery),
		kick:    make(chan struct{}, 1),
		lastAdd: time.Now(),
	}
	m.streams[stream] = b
	atomic.AddInt64(&m.created, 1)
	go b.run()
	return b
}

func (b *streamBatcher) add(recs []record) bool {
	b.mu.Lock()
	if b.retired {
		b.mu.Unlock()
		return false
	}
	b.buf = append(b.buf, recs...)
	for _, r := range recs {
		b.bytes += len(r.Msg) + 32
	}
	b.lastAdd = time.Now()
	full := len(b.buf) >= b.m.cfg.MaxRecords || b.bytes >= b.m.cfg.MaxBytes
	b.mu.Unlock()
	if full {
		select {
		case b.kick <- struct{}{}:
		default: // a flush is already pending
		}
	}
	return true
}

// run flushes the stream's batch when it fills up or when the flush
// interval ticks, whichever comes first.
func (b *streamBatcher) run() {
	for {
		select {
		case <-b.kick:
			b.flush(flushSize)
		case <-b.ticker.C:
			if b.isRetired() {
				return
			}
			b.flush(flushTimer)
		}
	}
}

func (b *streamBatcher) isRetired() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.retired
}

func (b *streamBatcher) take() (recs []record, bytes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs, bytes = b.buf, b.bytes
	b.buf, b.bytes = nil, 0
	return recs, bytes
}

func (b *streamBatcher) flush(reason flushReason) {
	recs, bytes := b.take()
	if len(recs) == 0 {
		return
	}
	b.m.handOff(batch{stream: b.key, recs: recs, bytes: bytes, reason: reason, made: time.Now()})
}

// retire marks an idle stream's batcher as done and returns whatever it
// still held.
func (b *streamBatcher) retire() ([]record, int) {
	b.mu.Lock()
	b.retired = true
	recs, bytes := b.buf, b.bytes
	b.buf, b.bytes = nil, 0
	b.mu.Unlock()
	// Idle streams must not keep waking up every FlushEvery; run sees
	// the retired flag on its next tick and returns.
	b.ticker.Stop()
	return recs, bytes
}

// handOff queues a batch for the sink writers, waiting at most
// EnqueueTimeout for room; after that the batch is spilled.
func (m *Batcher) handOff(bt batch) {
	switch bt.reason {
	case flushSize:
		atomic.AddInt64(&m.sizeFlushes, 1)
	case flushTimer:
		atomic.AddInt64(&m.timerFlushes, 1)
	case flushRetire:
		atomic.AddInt64(&m.retireFlushes, 1)
	}
	if !m.sink.Enqueue(bt, m.cfg.EnqueueTimeout) {
		atomic.AddInt64(&m.spilled, 1)
	}
}

// idleStreams removes and returns the batchers that saw no records for
// IdleTTL.
func (m *Batcher) idleStreams(now time.Time) []*streamBatcher {
	m.mu.Lock()
	defer m.mu.Unlock()
	var idle []*streamBatcher
	for k, b := range m.streams {
		b.mu.Lock()
		quiet := now.Sub(b.lastAdd)
		b.mu.Unlock()
		if quiet > m.cfg.IdleTTL {
			delete(m.streams, k)
			idle = append(idle, b)
		}
	}
	return idle
}

type batcherStats struct {
	Streams                                  int
	Created, Retired                         int64
	SizeFlushes, TimerFlushes, RetireFlushes int64
	Spilled                                  int64
}

func (m *Batcher) Stats() batcherStats {
	m.mu.Lock()
	n := len(m.streams)
	m.mu.Unlock()
	return batcherStats{
		Streams:       n,
		Created:       atomic.LoadInt64(&m.created),
		Retired:       atomic.LoadInt64(&m.retired),
		SizeFlushes:   atomic.LoadInt64(&m.sizeFlushes),
		TimerFlushes:  atomic.LoadInt64(&m.timerFlushes),
		RetireFlushes: atomic.LoadInt64(&m.retireFlushes),
		Spilled:       atomic.LoadInt64(&m.spilled),
	}
}
