package main

import (
	"context"
	"math/rand"
	"time"
)

type ledgerEntry struct {
	eventID  string
	topic    string
	outcomes []outcome
	latency  time.Duration
}

// ledger persists the final outcome of every event in batches.
type ledger struct {
	in       chan ledgerEntry
	written  int64
	deadMail int64
}

func newLedger() *ledger { return &ledger{in: make(chan ledgerEntry, 128)} }

func (l *ledger) Record(ev *event, outs []outcome) {
	l.in <- ledgerEntry{eventID: ev.ID, topic: ev.Topic, outcomes: outs, latency: time.Since(ev.Received)}
}

func (l *ledger) run(ctx context.Context, flushEvery time.Duration) {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	var batch []ledgerEntry
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-l.in:
			batch = append(batch, e)
			if len(batch) < 200 {
				continue
			}
		case <-tick.C:
			if len(batch) == 0 {
				continue
			}
		}
		l.flush(ctx, batch)
		batch = batch[:0]
	}
}

// flush writes a batch; the (simulated) database write takes a while.
func (l *ledger) flush(ctx context.Context, batch []ledgerEntry) {
	select {
	case <-after(time.Duration(40+rand.Intn(120)) * time.Millisecond):
	case <-ctx.Done():
		return
	}
	for _, e := range batch {
		for _, o := range e.outcomes {
			if o.Result == "dead-letter" {
				l.deadMail++
			}
		}
	}
	l.written += int64(len(batch))
}
