package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"math/rand"
	"sync"
	"time"
)

var tenants = []string{
	"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
	"tyrell", "cyberdyne", "soylent", "wonka", "aperture",
}

// Job is one billing run for one tenant and period.
type Job struct {
	ID     int
	Tenant string
	Period string
}

// schedule queues a billing run every interval, round-robin over tenants.
func schedule(ctx context.Context, jobs chan<- Job, every time.Duration, logger *log.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	id := 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			id++
			j := Job{ID: id, Tenant: tenants[id%len(tenants)], Period: now.Format("2006-01-02T15")}
			select {
			case jobs <- j:
			default:
				logger.Printf("run %d for %s deferred: runners busy", j.ID, j.Tenant)
			}
		}
	}
}

// UsageLine is one metered usage record.
type UsageLine struct {
	Tenant   string
	SKU      string
	Qty      int
	Price    int64 // minor units
	Currency string
}

// UsageSource pages usage lines out of the billing database. Reads are
// throttled to a fixed number of pages per second shared by all callers.
type UsageSource struct {
	throttle *time.Ticker
	start    time.Time
}

func NewUsageSource(pagesPerSec int) *UsageSource {
	return &UsageSource{throttle: time.NewTicker(time.Second / time.Duration(pagesPerSec)), start: time.Now()}
}

func (s *UsageSource) Close() { s.throttle.Stop() }

// badInputShare drifts slowly: upstream occasionally emits lines in
// currencies the FX table does not know yet.
func (s *UsageSource) badInputShare() float64 {
	t := time.Since(s.start).Seconds()
	return 0.11 + 0.1*math.Sin(2*math.Pi*t/70)
}

func (s *UsageSource) Page(ctx context.Context, tenant string, page int) ([]UsageLine, bool, error) {
	select {
	case <-s.throttle.C:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	time.Sleep(time.Duration(2+rand.Intn(5)) * time.Millisecond)
	currencies := []string{"EUR", "EUR", "USD", "GBP", "CHF"}
	n := 30 + rand.Intn(40)
	lines := make([]UsageLine, n)
	for i := range lines {
		lines[i] = UsageLine{
			Tenant:   tenant,
			SKU:      fmt.Sprintf("sku-%03d", rand.Intn(200)),
			Qty:      1 + rand.Intn(20),
			Price:    int64(50 + rand.Intn(5000)),
			Currency: currencies[rand.Intn(len(currencies))],
		}
	}
	more := page < 1+rand.Intn(4)
	if !more && rand.Float64() < s.badInputShare() {
		lines[rand.Intn(n)].Currency = []string{"SEK", "NOK", "PLN"}[rand.Intn(3)]
	}
	return lines, more, nil
}

// Runner executes billing runs one at a time.
type Runner struct {
	id      int
	source  *UsageSource
	fx      *FXTable
	ledger  *Ledger
	dead    *DeadLetters
	renders chan<- RenderRequest
	logger  *log.Logger
}

func (r *Runner) loop(ctx context.Context, jobs <-chan Job) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			start := time.Now()
			if err := r.run(ctx, j); err != nil {
				r.dead.Add(j, err)
				r.logger.Printf("runner %d: run %d (%s) failed after %v: %v", r.id, j.ID, j.Tenant, time.Since(start).Round(time.Millisecond), err)
			}
		}
	}
}

const runDeadline = time.Second

func (r *Runner) run(ctx context.Context, j Job) error {
	ctx, cancel := context.WithTimeout(ctx, runDeadline)
	defer cancel()

	var lines []UsageLine
	for page := 0; ; page++ {
		p, more, err := r.source.Page(ctx, j.Tenant, page)
		if err != nil {
			return fmt.Errorf("extract page %d: %w", page, err)
		}
		lines = append(lines, p...)
		if !more {
			break
		}
	}

	totals, err := r.transform(ctx, lines)
	if err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	if err := r.loadWithRetry(ctx, j, totals); err != nil {
		return err
	}
	select {
	case r.renders <- RenderRequest{Job: j, Customers: 4 + rand.Intn(12)}:
	case <-ctx.Done():
		return fmt.Errorf("queue render: %w", ctx.Err())
	}
	return nil
}

const chunkSize = 40

type chunkTotals map[string]int64 // SKU -> EUR cents

var errUnknownCurrency = errors.New("no FX rate for currency")

func (r *Runner) transform(ctx context.Context, lines []UsageLine) (chunkTotals, error) {
	nChunks := (len(lines) + chunkSize - 1) / chunkSize
	results := make([]chunkTotals, nChunks)
	errs := make([]error, nChunks)
	rates := r.fx.Snapshot()

	var wg sync.WaitGroup
	for i := 0; i < nChunks; i++ {
		lo, hi := i*chunkSize, (i+1)*chunkSize
		if hi > len(lines) {
			hi = len(lines)
		}
		wg.Add(1)
		go r.transformChunk(&wg, lines[lo:hi], rates, &results[i], &errs[i])
	}

	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	merged := make(chunkTotals)
	for i, res := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for sku, v := range res {
			merged[sku] += v
		}
	}
	return merged, nil
}

func (r *Runner) transformChunk(wg *sync.WaitGroup, lines []UsageLine, rates map[string]float64, out *chunkTotals, errOut *error) {
	totals := make(chunkTotals)
	for _, l := range lines {
		rate, ok := rates[l.Currency]
		if !ok {
			*errOut = fmt.Errorf("%w %q (sku %s)", errUnknownCurrency, l.Currency, l.SKU)
			return
		}
		totals[l.SKU] += int64(math.Round(float64(l.Price*int64(l.Qty)) * rate))
	}
	// pricing rules, tax lookups...
	time.Sleep(time.Duration(3+rand.Intn(8)) * time.Millisecond)
	*out = totals
	wg.Done()
}

func (r *Runner) loadWithRetry(ctx context.Context, j Job, totals chunkTotals) error {
	backoff := 20 * time.Millisecond
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = r.ledger.Load(ctx, j.Tenant, totals); err == nil {
			return nil
		}
		if !errors.Is(err, errSerialization) {
			return err
		}
		select {
		case <-time.After(backoff + time.Duration(rand.Int63n(int64(backoff)))):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff *= 2
	}
	return fmt.Errorf("load: %w", err)
}

// DeadLetters keeps failed runs for manual review.
type DeadLetters struct {
	mu     sync.Mutex
	failed []string
	total  int
}

func (d *DeadLetters) Add(j Job, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total++
	d.failed = append(d.failed, fmt.Sprintf("%d/%s/%s: %v", j.ID, j.Tenant, j.Period, err))
	if len(d.failed) > 100 {
		d.failed = d.failed[len(d.failed)-100:]
	}
}

func (d *DeadLetters) report(ctx context.Context, logger *log.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.mu.Lock()
			logger.Printf("dead letters: %d total, %d retained", d.total, len(d.failed))
			d.mu.Unlock()
		}
	}
}
