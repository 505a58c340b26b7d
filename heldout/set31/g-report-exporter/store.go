package main

import (
	"fmt"
	"math/rand"
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

type record struct {
	ID       int64
	Customer string
	Region   string
	Cents    int64
	Created  time.Time
}

// tableStore fakes a paged read from the billing database.
type tableStore struct {
	epoch   time.Time
	regions []string
}

func newTableStore() *tableStore {
	return &tableStore{
		epoch:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		regions: []string{"eu-west", "eu-central", "us-east", "us-west", "ap-south"},
	}
}

const pageSize = 100

// readPage returns page p of a table with total rows (fewer on the last page).
func (s *tableStore) readPage(table string, p, total int) []record {
	from := p * pageSize
	if from >= total {
		return nil
	}
	to := from + pageSize
	if to > total {
		to = total
	}
	time.Sleep(randDur(4*time.Millisecond, 9*time.Millisecond)) // round trip + row decode
	out := make([]record, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, record{
			ID:       int64(i) + 1,
			Customer: fmt.Sprintf("%s-cust-%05d", table, (i*7919)%40000),
			Region:   s.regions[i%len(s.regions)],
			Cents:    int64((i*104729)%500000) + 99,
			Created:  s.epoch.Add(time.Duration(i) * time.Minute),
		})
	}
	return out
}
