package main

import (
	"context"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

type Doc struct {
	ID    string
	Title string
	Terms []string
	Price int
}

type Hit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// Shard holds a bounded window of the most recently indexed documents.
type Shard struct {
	id  int
	max int

	mu   sync.RWMutex
	docs []Doc
}

func (s *Shard) Add(docs []Doc) {
	s.mu.Lock()
	s.docs = append(s.docs, docs...)
	if over := len(s.docs) - s.max; over > 0 {
		s.docs = append(s.docs[:0], s.docs[over:]...)
	}
	s.mu.Unlock()
}

// Search scans the shard. The simulated segment read is not interruptible,
// so the context is only checked once it completes.
func (s *Shard) Search(ctx context.Context, terms []string, limit int) ([]Hit, error) {
	lat := randDur(3*time.Millisecond, 40*time.Millisecond)
	if randIntn(100) < 2 {
		lat = randDur(150*time.Millisecond, 450*time.Millisecond) // cold segment
	}
	time.Sleep(lat)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	s.mu.RLock()
	var hits []Hit
	for _, d := range s.docs {
		score := 0.0
		for _, t := range terms {
			for _, dt := range d.Terms {
				if dt == t {
					score += 1
				} else if strings.HasPrefix(dt, t) {
					score += 0.3
				}
			}
		}
		if score > 0 {
			hits = append(hits, Hit{ID: d.ID, Title: d.Title, Score: score})
		}
	}
	s.mu.RUnlock()
	sort.Slice(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

type Index struct {
	shards []*Shard
}

func NewIndex(n, perShard int) *Index {
	idx := &Index{}
	for i := 0; i < n; i++ {
		idx.shards = append(idx.shards, &Shard{id: i, max: perShard})
	}
	return idx
}

func (x *Index) Shards() []*Shard { return x.shards }

func (x *Index) shardFor(id string) *Shard {
	h := 0
	for i := 0; i < len(id); i++ {
		h = h*31 + int(id[i])
	}
	if h < 0 {
		h = -h
	}
	return x.shards[h%len(x.shards)]
}
