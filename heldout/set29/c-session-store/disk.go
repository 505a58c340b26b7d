package main

import (
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

var errLoadTimeout = errors.New("disk: load timed out")

type record struct {
	ID       string
	User     string
	Created  time.Time
	LastSeen time.Time
	Values   map[string]string
}

type diskConfig struct {
	RememberFor   time.Duration
	JanitorEvery  time.Duration
	CompactEvery  time.Duration
	CompactJitter time.Duration
}

// diskStore stands in for the persistent tier (an embedded KV on local
// disk). Reads have real latency, which gets much worse while a
// compaction is running.
type diskStore struct {
	cfg diskConfig

	mu   sync.Mutex
	recs map[string]*record

	compacting int32
	reads      int64
}

func newDiskStore(cfg diskConfig) *diskStore {
	return &diskStore{cfg: cfg, recs: make(map[string]*record)}
}

func (d *diskStore) Save(r *record) {
	d.mu.Lock()
	d.recs[r.ID] = r
	d.mu.Unlock()
}

func (d *diskStore) Delete(id string) {
	d.mu.Lock()
	delete(d.recs, id)
	d.mu.Unlock()
}

func (d *diskStore) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.recs)
}

func (d *diskStore) Compacting() bool { return atomic.LoadInt32(&d.compacting) == 1 }

type readResult struct {
	rec *record
	err error
}

type readOp struct {
	id   string
	done chan readResult
}

func (op *readOp) complete(rec *record, err error) {
	op.done <- readResult{rec: rec, err: err}
}

// Load reads a persisted session, giving up after timeout so a slow disk
// does not stall request handling.
func (d *diskStore) Load(id string, timeout time.Duration) (*record, error) {
	op := &readOp{id: id, done: make(chan readResult)}
	go d.read(op)

	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case res := <-op.done:
		return res.rec, res.err
	case <-t.C:
		return nil, errLoadTimeout
	}
}

func (d *diskStore) read(op *readOp) {
	atomic.AddInt64(&d.reads, 1)
	time.Sleep(d.readLatency())

	d.mu.Lock()
	r, ok := d.recs[op.id]
	if ok && time.Since(r.LastSeen) > d.cfg.RememberFor {
		delete(d.recs, op.id)
		ok = false
	}
	d.mu.Unlock()
	if !ok {
		op.complete(nil, nil)
		return
	}
	cp := *r
	op.complete(&cp, nil)
}

func (d *diskStore) readLatency() time.Duration {
	if d.Compacting() {
		if rand.Intn(10) < 4 {
			return time.Duration(60+rand.Intn(50)) * time.Millisecond
		}
		return time.Duration(130+rand.Intn(600)) * time.Millisecond
	}
	if rand.Intn(100) == 0 {
		return time.Duration(150+rand.Intn(150)) * time.Millisecond
	}
	return time.Duration(2+rand.Intn(23)) * time.Millisecond
}

// janitor drops records past the remember-me window.
func (d *diskStore) janitor() {
	t := time.NewTicker(d.cfg.JanitorEvery)
	defer t.Stop()
	for now := range t.C {
		d.mu.Lock()
		for id, r := range d.recs {
			if now.Sub(r.LastSeen) > d.cfg.RememberFor {
				delete(d.recs, id)
			}
		}
		d.mu.Unlock()
	}
}

// compactor runs a compaction every so often; while it runs reads are slow.
func (d *diskStore) compactor() {
	first := time.Duration(2+rand.Intn(3)) * time.Second
	t := time.NewTimer(first)
	defer t.Stop()
	for range t.C {
		atomic.StoreInt32(&d.compacting, 1)
		time.Sleep(time.Duration(3000+rand.Intn(3000)) * time.Millisecond)
		atomic.StoreInt32(&d.compacting, 0)

		next := d.cfg.CompactEvery
		if d.cfg.CompactJitter > 0 {
			next += time.Duration(rand.Int63n(int64(d.cfg.CompactJitter)))
		}
		t.Reset(next)
	}
}
