package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

const rowsPerChunk = 1000

// ---- warehouse ---------------------------------------------------------------

// warehouse simulates the analytics store exports read from. It only allows
// a few concurrent scans.
type warehouse struct {
	scans chan struct{}
	reads int64
}

func newWarehouse(concurrency int) *warehouse {
	return &warehouse{scans: make(chan struct{}, concurrency)}
}

var errScanAborted = errors.New("warehouse: scan aborted")

func (w *warehouse) readChunk(ctx context.Context, tenant string, chunk int) ([]byte, error) {
	select {
	case w.scans <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-w.scans }()
	atomic.AddInt64(&w.reads, 1)
	d := time.Duration(30+rand.Intn(90)) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if rand.Intn(60) == 0 {
		return nil, errScanAborted
	}
	var b bytes.Buffer
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "%s,%d,%d,%d\n", tenant, chunk, i, rand.Intn(1e6))
	}
	return b.Bytes(), nil
}

// ---- progress board ------------------------------------------------------------

type exportState struct {
	Done     int       `json:"done"`
	Total    int       `json:"total"`
	Failed   bool      `json:"failed"`
	Finished bool      `json:"finished"`
	Updated  time.Time `json:"-"`
	changed  chan struct{}
}

type progressBoard struct {
	mu      sync.Mutex
	exports map[string]*exportState
}

func newProgressBoard() *progressBoard {
	return &progressBoard{exports: make(map[string]*exportState)}
}

func (b *progressBoard) create(id string, total int) {
	b.mu.Lock()
	b.exports[id] = &exportState{Total: total, Updated: time.Now(), changed: make(chan struct{})}
	b.mu.Unlock()
}

func (b *progressBoard) update(id string, done int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.exports[id]
	if s == nil {
		return
	}
	if done < 0 {
		s.Failed, s.Finished = true, true
	} else {
		s.Done = done
		s.Finished = done >= s.Total
	}
	s.Updated = time.Now()
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until the export has made progress past since, finished, or
// the wait times out.
func (b *progressBoard) wait(ctx context.Context, id string, since int, max time.Duration) (exportState, bool) {
	t := time.NewTimer(max)
	defer t.Stop()
	for {
		b.mu.Lock()
		s := b.exports[id]
		if s == nil {
			b.mu.Unlock()
			return exportState{}, false
		}
		snap := *s
		ch := s.changed
		b.mu.Unlock()
		if snap.Done > since || snap.Finished {
			return snap, true
		}
		select {
		case <-ch:
		case <-t.C:
			return snap, true
		case <-ctx.Done():
			return snap, true
		}
	}
}

func (b *progressBoard) janitor(every, keep time.Duration) {
	for range time.Tick(every) {
		cut := time.Now().Add(-keep)
		b.mu.Lock()
		for id, s := range b.exports {
			if s.Finished && s.Updated.Before(cut) {
				delete(b.exports, id)
			}
		}
		b.mu.Unlock()
	}
}

// ---- export jobs -----------------------------------------------------------------

type exportJob struct {
	id       string
	tenant   string
	chunks   int
	origin   string
	started  time.Time
	progress chan int // chunks done so far (-1: failed); drained by forwardProgress
}

func (j *exportJob) reportProgress(n int) {
	j.progress <- n
}

type exportRunner struct {
	wh    *warehouse
	board *progressBoard
	seq   int64

	running          int32
	finished, failed int64
	bytesOut         int64

	mu      sync.Mutex
	lastRun map[string]time.Time
}

func newExportRunner(wh *warehouse, board *progressBoard) *exportRunner {
	return &exportRunner{wh: wh, board: board, lastRun: make(map[string]time.Time)}
}

func chunksFor(rows int) int {
	n := (rows + rowsPerChunk - 1) / rowsPerChunk
	if n < 1 {
		n = 1
	}
	return n
}

// Start begins an export requested through the API. Its progress is
// published on the board for long-polling clients.
func (r *exportRunner) Start(ctx context.Context, tenant string, rows int) *exportJob {
	j := &exportJob{
		id:       fmt.Sprintf("exp-%06d", atomic.AddInt64(&r.seq, 1)),
		tenant:   tenant,
		chunks:   chunksFor(rows),
		origin:   "api",
		started:  time.Now(),
		progress: make(chan int, 4),
	}
	r.board.create(j.id, j.chunks)
	go r.forwardProgress(j)
	go r.run(ctx, j)
	return j
}

func (r *exportRunner) forwardProgress(j *exportJob) {
	for n := range j.progress {
		r.board.update(j.id, n)
		if n < 0 || n >= j.chunks {
			return
		}
	}
}

func (r *exportRunner) run(ctx context.Context, j *exportJob) {
	atomic.AddInt32(&r.running, 1)
	defer atomic.AddInt32(&r.running, -1)
	var out bytes.Buffer
	for i := 0; i < j.chunks; i++ {
		data, err := r.readWithRetry(ctx, j.tenant, i)
		if err != nil {
			atomic.AddInt64(&r.failed, 1)
			j.reportProgress(-1)
			return
		}
		out.Write(data)
		if out.Len() > 64<<10 { // "upload" a part
			atomic.AddInt64(&r.bytesOut, int64(out.Len()))
			out.Reset()
		}
		j.reportProgress(i + 1)
	}
	atomic.AddInt64(&r.bytesOut, int64(out.Len()))
	atomic.AddInt64(&r.finished, 1)
	r.mu.Lock()
	r.lastRun[j.tenant] = time.Now()
	r.mu.Unlock()
}

func (r *exportRunner) readWithRetry(ctx context.Context, tenant string, chunk int) ([]byte, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var data []byte
		data, err = r.wh.readChunk(cctx, tenant, chunk)
		cancel()
		if err == nil {
			return data, nil
		}
		time.Sleep(time.Duration(50<<uint(attempt)+rand.Intn(50)) * time.Millisecond)
	}
	return nil, err
}

// ---- scheduled exports -------------------------------------------------------------

type cronEntry struct {
	tenant string
	every  time.Duration
	rows   int
	next   time.Time
}

// cron runs the tenants' scheduled exports. Nobody watches these, so they
// are not put on the progress board. Every so often a "period close" makes a
// handful of tenants export at once.
func (r *exportRunner) cron(ctx context.Context, q *queue, entries []*cronEntry) {
	now := time.Now()
	for _, e := range entries {
		e.next = now.Add(time.Duration(rand.Int63n(int64(e.every))))
	}
	nextClose := now.Add(time.Duration(35+rand.Intn(30)) * time.Second)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for now := range t.C {
		closing := now.After(nextClose)
		if closing {
			nextClose = now.Add(time.Duration(35+rand.Intn(30)) * time.Second)
		}
		for _, e := range entries {
			if !now.After(e.next) && !(closing && rand.Intn(3) == 0) {
				continue
			}
			e.next = now.Add(e.every)
			j := &exportJob{
				id:      fmt.Sprintf("sched-%06d", atomic.AddInt64(&r.seq, 1)),
				tenant:  e.tenant,
				chunks:  chunksFor(e.rows + rand.Intn(e.rows/2+1)),
				origin:  "cron",
				started: now,
			}
			go r.run(ctx, j)
		}
		// housekeeping that goes through the ordinary queue
		if now.Unix()%10 == 0 {
			q.Submit(&Job{Kind: "reindex", Tenant: entries[rand.Intn(len(entries))].tenant}, now)
		}
	}
}
