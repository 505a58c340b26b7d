// b-invoice-etl runs small billing ETL jobs back to back: a scheduler queues
// a billing run for the next tenant every few hundred milliseconds, a fixed
// pool of runners extracts the tenant's usage lines page by page from a
// throttled source, transforms them in parallel chunks (one goroutine per
// chunk, joined with a WaitGroup, the run bounded by a deadline), and loads
// the totals into a sharded ledger with a hand-written errgroup (first error
// cancels the other shards; the load is retried with exponential backoff).
// Finished runs are rendered to PDF invoices, one goroutine per customer
// queued on a rendering semaphore. Around it: a stream of manual adjustments
// batched by size or time, an FX rate refresher with retries, periodic ledger
// compaction, and partner exports fanned out under a semaphore.
//
// Bug: transformChunk calls wg.Done() at the end instead of deferring it, and
// returns early when a line has a currency with no FX rate. The WaitGroup then
// never reaches zero, the run gives up at its deadline, and the goroutine that
// waits on the WaitGroup to close the done channel blocks forever. One
// goroutine leaks per run containing bad input; the share of bad input drifts
// over time, giving roughly 0-0.8 leaks per second.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	logger := log.New(os.Stderr, "invoice-etl ", log.LstdFlags|log.Lmicroseconds)
	ctx := context.Background()

	fx := NewFXTable()
	go fx.refreshLoop(ctx, 10*time.Second, logger)

	ledger := NewLedger(4)
	go ledger.compactLoop(ctx, 7*time.Second)

	source := NewUsageSource(40) // pages per second across all runners
	defer source.Close()

	deadLetters := &DeadLetters{}
	renders := make(chan RenderRequest, 16)
	renderer := NewRenderer(4, logger)
	go renderer.loop(ctx, renders)

	jobs := make(chan Job, 8)
	for i := 0; i < 4; i++ {
		r := &Runner{id: i, source: source, fx: fx, ledger: ledger, dead: deadLetters, renders: renders, logger: logger}
		go r.loop(ctx, jobs)
	}
	go schedule(ctx, jobs, 310*time.Millisecond, logger)

	adjustments := make(chan Adjustment, 64)
	go produceAdjustments(ctx, adjustments, 20)
	go batchAdjustments(ctx, adjustments, ledger, 50, 2*time.Second)

	exporter := &Exporter{ledger: ledger, partners: 8, parallel: 3, logger: logger}
	go exporter.loop(ctx, 23*time.Second)

	go deadLetters.report(ctx, logger, 15*time.Second)

	select {}
}
