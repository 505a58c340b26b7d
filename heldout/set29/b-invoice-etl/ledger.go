package main

import (
	"context"
	"errors"
	"hash/fnv"
	"log"
	"math/rand"
	"sync"
	"time"
)

// Group is a small errgroup: the first error cancels the group's context.
type Group struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
}

func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{cancel: cancel}, ctx
}

func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				if g.cancel != nil {
					g.cancel()
				}
			})
		}
	}()
}

func (g *Group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		g.cancel()
	}
	return g.err
}

type shard struct {
	mu      sync.Mutex
	entries []ledgerEntry
	totals  map[string]int64
}

type ledgerEntry struct {
	key    string
	amount int64
}

// Ledger is a sharded in-memory ledger.
type Ledger struct {
	shards []*shard
}

func NewLedger(n int) *Ledger {
	l := &Ledger{}
	for i := 0; i < n; i++ {
		l.shards = append(l.shards, &shard{totals: make(map[string]int64)})
	}
	return l
}

var errSerialization = errors.New("could not serialize access due to concurrent update")

func (l *Ledger) shardFor(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(l.shards)))
}

// Load writes a run's totals, one goroutine per shard.
func (l *Ledger) Load(ctx context.Context, tenant string, totals chunkTotals) error {
	perShard := make([][]ledgerEntry, len(l.shards))
	for sku, v := range totals {
		key := tenant + "/" + sku
		i := l.shardFor(key)
		perShard[i] = append(perShard[i], ledgerEntry{key: key, amount: v})
	}
	g, gctx := WithContext(ctx)
	for i := range l.shards {
		s, entries := l.shards[i], perShard[i]
		g.Go(func() error {
			select {
			case <-time.After(time.Duration(2+rand.Intn(8)) * time.Millisecond):
			case <-gctx.Done():
				return gctx.Err()
			}
			if rand.Intn(25) == 0 {
				return errSerialization
			}
			s.mu.Lock()
			s.entries = append(s.entries, entries...)
			s.mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (l *Ledger) Apply(adj []Adjustment) {
	for _, a := range adj {
		s := l.shards[l.shardFor(a.Key)]
		s.mu.Lock()
		s.entries = append(s.entries, ledgerEntry{key: a.Key, amount: a.Amount})
		s.mu.Unlock()
	}
}

// compactLoop folds appended entries into the per-key totals.
func (l *Ledger) compactLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, s := range l.shards {
				s.mu.Lock()
				for _, e := range s.entries {
					s.totals[e.key] += e.amount
				}
				s.entries = s.entries[:0]
				s.mu.Unlock()
			}
		}
	}
}

func (l *Ledger) Totals(partner int, partners int) int {
	n := 0
	for _, s := range l.shards {
		s.mu.Lock()
		for k := range s.totals {
			if len(k)%partners == partner {
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}

// Adjustment is a manual credit or debit entered by the billing team.
type Adjustment struct {
	Key    string
	Amount int64
}

func produceAdjustments(ctx context.Context, out chan<- Adjustment, perSec int) {
	t := time.NewTicker(time.Second / time.Duration(perSec))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if rand.Intn(3) == 0 {
				continue // quiet tick
			}
			a := Adjustment{Key: tenants[rand.Intn(len(tenants))] + "/credit", Amount: int64(rand.Intn(2000) - 1000)}
			select {
			case out <- a:
			case <-ctx.Done():
				return
			}
		}
	}
}

func batchAdjustments(ctx context.Context, in <-chan Adjustment, l *Ledger, size int, maxWait time.Duration) {
	buf := make([]Adjustment, 0, size)
	t := time.NewTicker(maxWait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-in:
			buf = append(buf, a)
			if len(buf) >= size {
				l.Apply(buf)
				buf = buf[:0]
			}
		case <-t.C:
			if len(buf) > 0 {
				l.Apply(buf)
				buf = buf[:0]
			}
		}
	}
}

// FXTable holds EUR conversion rates, refreshed periodically.
type FXTable struct {
	mu    sync.RWMutex
	rates map[string]float64
}

func NewFXTable() *FXTable {
	return &FXTable{rates: map[string]float64{"EUR": 1, "USD": 0.92, "GBP": 1.17, "CHF": 1.04}}
}

func (f *FXTable) Snapshot() map[string]float64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	m := make(map[string]float64, len(f.rates))
	for k, v := range f.rates {
		m[k] = v
	}
	return m
}

var errFXUnavailable = errors.New("fx provider: 503")

func fetchRates() (map[string]float64, error) {
	time.Sleep(time.Duration(20+rand.Intn(60)) * time.Millisecond)
	if rand.Intn(3) == 0 {
		return nil, errFXUnavailable
	}
	return map[string]float64{
		"EUR": 1,
		"USD": 0.90 + rand.Float64()*0.04,
		"GBP": 1.15 + rand.Float64()*0.04,
		"CHF": 1.02 + rand.Float64()*0.04,
	}, nil
}

func (f *FXTable) refreshLoop(ctx context.Context, every time.Duration, logger *log.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		backoff := 100 * time.Millisecond
		for attempt := 1; ; attempt++ {
			rates, err := fetchRates()
			if err == nil {
				f.mu.Lock()
				f.rates = rates
				f.mu.Unlock()
				break
			}
			if attempt == 5 {
				logger.Printf("fx refresh: giving up: %v", err)
				break
			}
			time.Sleep(backoff)
			backoff *= 2
		}
	}
}

// Exporter periodically pushes ledger extracts to partners, a few at a time.
type Exporter struct {
	ledger   *Ledger
	partners int
	parallel int
	logger   *log.Logger
}

func (e *Exporter) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.exportAll(ctx)
		}
	}
}

func (e *Exporter) exportAll(ctx context.Context) {
	sem := make(chan struct{}, e.parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for p := 0; p < e.partners; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n := e.ledger.Totals(p, e.partners)
			time.Sleep(time.Duration(50+rand.Intn(150)) * time.Millisecond)
			if rand.Intn(10) == 0 {
				mu.Lock()
				failed++
				mu.Unlock()
				return
			}
			_ = n
		}(p)
	}
	wg.Wait()
	if failed > 0 {
		e.logger.Printf("export: %d/%d partners failed, will retry next cycle", failed, e.partners)
	}
}
