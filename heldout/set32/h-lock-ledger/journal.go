package main

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// journal is the write-ahead journal of settlements. One writer goroutine
// takes entries from an unbuffered channel, so a settler's hand-off only
// completes when the writer is ready; it group-commits small batches and
// each commit (the simulated fsync of the segment) takes a while, during
// which senders wait.
type journal struct {
	entries chan journalEntry

	segment  bytes.Buffer
	segments int64
	written  int64
	commits  int64
}

type journalEntry struct {
	glSeq    uint64
	account  string
	kind     string
	postings int
	net      int64
	netEUR   int64
	balance  int64
	limitOK  bool
	at       time.Time
}

func newJournal() *journal {
	return &journal{entries: make(chan journalEntry)}
}

const (
	groupCommitMax  = 12
	groupCommitWait = 8 * time.Millisecond
	segmentLimit    = 1 << 20
)

func (j *journal) run(ctx context.Context) {
	batch := make([]journalEntry, 0, groupCommitMax)
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-j.entries:
			batch = append(batch[:0], e)
		}
		deadline := time.NewTimer(groupCommitWait)
	fill:
		for len(batch) < groupCommitMax {
			select {
			case e := <-j.entries:
				batch = append(batch, e)
			case <-deadline.C:
				break fill
			case <-ctx.Done():
				deadline.Stop()
				return
			}
		}
		deadline.Stop()
		j.commit(batch)
	}
}

func (j *journal) commit(batch []journalEntry) {
	for _, e := range batch {
		fmt.Fprintf(&j.segment, "%d|%s|%s|%d|%d|%d|%d|%t|%s\n",
			e.glSeq, e.account, e.kind, e.postings, e.net, e.netEUR, e.balance, e.limitOK,
			e.at.Format(time.RFC3339Nano))
	}
	// fsync: fixed cost plus a little per entry.
	time.Sleep(45*time.Millisecond + time.Duration(len(batch))*2*time.Millisecond)
	if j.segment.Len() > segmentLimit {
		j.segment.Reset()
		atomic.AddInt64(&j.segments, 1)
	}
	atomic.AddInt64(&j.written, int64(len(batch)))
	atomic.AddInt64(&j.commits, 1)
}
