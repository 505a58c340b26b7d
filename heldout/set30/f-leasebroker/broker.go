package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

type BrokerConfig struct {
	LeaseTTL       time.Duration
	Heartbeat      time.Duration
	InboxSize      int
	TombstoneKeep  time.Duration // how long closed sessions stay queryable
	CompactEvery   time.Duration
	BroadcastEvery time.Duration
}

type tombstone struct {
	id     uint64
	reason string
	at     time.Time
}

type Broker struct {
	cfg   BrokerConfig
	audit *auditLog

	mu         sync.RWMutex
	sessions   map[uint64]*Session
	byClient   map[string]uint64
	tombstones []tombstone
	compacting bool

	nextID  uint64
	epoch   uint64
	opened  int64
	expired int64
	closed  int64
}

func NewBroker(cfg BrokerConfig, audit *auditLog) *Broker {
	return &Broker{
		cfg:      cfg,
		audit:    audit,
		sessions: make(map[uint64]*Session),
		byClient: make(map[string]uint64),
	}
}

// Open starts a session for client, replacing any session it already had.
func (b *Broker) Open(client string) *Session {
	id := atomic.AddUint64(&b.nextID, 1)
	s := newSession(b, id, client)
	b.mu.Lock()
	var old *Session
	if oldID, ok := b.byClient[client]; ok {
		old = b.sessions[oldID]
	}
	b.sessions[id] = s
	b.byClient[client] = id
	b.mu.Unlock()
	if old != nil {
		old.Close()
	}
	atomic.AddInt64(&b.opened, 1)
	b.audit.record(event{session: id, kind: "open"})
	go s.loop()
	return s
}

func (b *Broker) lookup(id uint64) *Session {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.sessions[id]
}

// KeepAlive renews the lease of session id. It reports false if the
// session is gone (the client must open a new one).
func (b *Broker) KeepAlive(id uint64) bool {
	s := b.lookup(id)
	if s == nil {
		return false
	}
	return s.deliver(message{kind: msgRenew}, 50*time.Millisecond)
}

func (b *Broker) Send(id uint64, payload []byte) bool {
	s := b.lookup(id)
	if s == nil {
		return false
	}
	return s.deliver(message{kind: msgData, payload: payload}, 50*time.Millisecond)
}

func (b *Broker) CloseSession(id uint64) {
	if s := b.lookup(id); s != nil {
		s.Close()
	}
}

func (b *Broker) remove(s *Session, reason string) {
	b.mu.Lock()
	delete(b.sessions, s.ID)
	if b.byClient[s.ClientID] == s.ID {
		delete(b.byClient, s.ClientID)
	}
	b.tombstones = append(b.tombstones, tombstone{id: s.ID, reason: reason, at: time.Now()})
	b.mu.Unlock()
	if reason == "expired" {
		atomic.AddInt64(&b.expired, 1)
	} else {
		atomic.AddInt64(&b.closed, 1)
	}
	b.audit.record(event{session: s.ID, kind: reason})
}

// Maintain runs the broker's periodic work: compaction of the tombstone
// list and the epoch broadcast. Each round runs in its own goroutine so a
// slow broadcast does not hold up compaction.
func (b *Broker) Maintain(ctx context.Context) {
	compact := time.NewTicker(b.cfg.CompactEvery)
	defer compact.Stop()
	bcast := time.NewTicker(b.cfg.BroadcastEvery)
	defer bcast.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-compact.C:
			b.mu.Lock()
			busy := b.compacting
			b.compacting = true
			b.mu.Unlock()
			if !busy {
				go b.compact()
			}
		case <-bcast.C:
			epoch := atomic.AddUint64(&b.epoch, 1)
			go b.broadcast(ctx, epoch)
		}
	}
}

func (b *Broker) compact() {
	cutoff := time.Now().Add(-b.cfg.TombstoneKeep)
	b.mu.Lock()
	defer b.mu.Unlock()
	keep := b.tombstones[:0]
	for _, t := range b.tombstones {
		if t.at.After(cutoff) {
			keep = append(keep, t)
		}
	}
	for i := len(keep); i < len(b.tombstones); i++ {
		b.tombstones[i] = tombstone{}
	}
	b.tombstones = keep
	b.compacting = false
}

const broadcastShard = 24

// broadcast tells every live session about the new epoch, fanning out in
// shards so one stuck session only delays its own shard.
func (b *Broker) broadcast(ctx context.Context, epoch uint64) {
	b.mu.RLock()
	targets := make([]*Session, 0, len(b.sessions))
	for _, s := range b.sessions {
		targets = append(targets, s)
	}
	b.mu.RUnlock()

	ctx, cancel := context.WithTimeout(ctx, b.cfg.BroadcastEvery)
	defer cancel()
	var wg sync.WaitGroup
	var missed int64
	for lo := 0; lo < len(targets); lo += broadcastShard {
		hi := lo + broadcastShard
		if hi > len(targets) {
			hi = len(targets)
		}
		wg.Add(1)
		go func(shard []*Session) {
			defer wg.Done()
			for _, s := range shard {
				if ctx.Err() != nil {
					atomic.AddInt64(&missed, 1)
					continue
				}
				if !s.deliver(message{kind: msgEpoch, epoch: epoch}, 100*time.Millisecond) {
					atomic.AddInt64(&missed, 1)
				}
			}
		}(targets[lo:hi])
	}
	wg.Wait()
	b.audit.record(event{kind: "broadcast", n: len(targets) - int(missed)})
}

type BrokerStats struct {
	Live, Tombstones        int
	Opened, Expired, Closed int64
	Epoch                   uint64
}

func (b *Broker) Stats() BrokerStats {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return BrokerStats{
		Live:       len(b.sessions),
		Tombstones: len(b.tombstones),
		Opened:     atomic.LoadInt64(&b.opened),
		Expired:    atomic.LoadInt64(&b.expired),
		Closed:     atomic.LoadInt64(&b.closed),
		Epoch:      atomic.LoadUint64(&b.epoch),
	}
}
