package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// fxTable holds the EUR conversion rates. Settlers read it on every cycle;
// the refresher rebuilds the cross rates under the write lock.
type fxTable struct {
	mu      sync.RWMutex
	rates   map[string]float64
	updated time.Time
	rnd     *rand.Rand
}

func newFXTable() *fxTable {
	return &fxTable{
		rates: map[string]float64{"EUR": 1, "USD": 0.92, "GBP": 1.17, "CHF": 1.04, "JPY": 0.0062},
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano())),
	}
}

func (f *fxTable) Rate(ccy string) float64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if r, ok := f.rates[ccy]; ok {
		return r
	}
	return 1
}

func (f *fxTable) refresh(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f.mu.Lock()
		time.Sleep(15 * time.Millisecond) // rebuild cross rates from the quote snapshot
		for k, v := range f.rates {
			if k != "EUR" {
				f.rates[k] = v * (1 + (f.rnd.Float64()-0.5)*0.002)
			}
		}
		f.updated = time.Now()
		f.mu.Unlock()
	}
}
