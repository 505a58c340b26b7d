package main

import (
	"fmt"
	"hash/fnv"
	"math/rand"
	"sync"
	"time"
)

// backend simulates the sharded store the reports read from. Each shard
// serves a limited number of queries at once.
type backend struct {
	shards []*shard
}

type shard struct {
	id  int
	sem chan struct{}

	mu      sync.Mutex
	queries int
	stalls  int
}

func newBackend(n int) *backend {
	b := &backend{}
	for i := 0; i < n; i++ {
		b.shards = append(b.shards, &shard{id: i, sem: make(chan struct{}, 6)})
	}
	return b
}

func (b *backend) shardFor(key string) *shard {
	h := fnv.New32a()
	h.Write([]byte(key))
	return b.shards[int(h.Sum32())%len(b.shards)]
}

// Query runs one aggregation on the shard owning key. The client library
// for this store predates contexts; a query that hits a replica in the
// middle of a failover just hangs until the driver's own socket timeout.
func (b *backend) Query(key string, rows int) (partial, error) {
	s := b.shardFor(key)
	s.sem <- struct{}{}
	defer func() { <-s.sem }()

	s.mu.Lock()
	s.queries++
	stall := rand.Intn(1000) < 5
	if stall {
		s.stalls++
	}
	s.mu.Unlock()

	d := time.Duration(15+rand.Intn(40)+rows/50) * time.Millisecond
	if rand.Intn(10) == 0 {
		d += time.Duration(rand.Intn(400)) * time.Millisecond // cold cache
	}
	if stall {
		d = time.Duration(2500+rand.Intn(2000)) * time.Millisecond
	}
	time.Sleep(d)
	if rand.Intn(300) == 0 {
		return partial{}, fmt.Errorf("shard %d: replica lag too high", s.id)
	}
	return partial{key: key, rows: rows, sum: int64(rows) * int64(len(key))}, nil
}

func (b *backend) stats() (q, st int) {
	for _, s := range b.shards {
		s.mu.Lock()
		q += s.queries
		st += s.stalls
		s.mu.Unlock()
	}
	return
}
