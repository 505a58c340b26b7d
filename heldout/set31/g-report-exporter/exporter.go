package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type ExportSpec struct {
	Table string
	Rows  int
	Cents bool // amounts as raw cents instead of decimal
}

// exportJob is one running export: scan reads pages from the store,
// transform renders them as CSV lines on out.
type exportJob struct {
	id      int64
	spec    ExportSpec
	started time.Time

	raw chan record
	out chan []byte

	scanned int64
	encoded int64
}

type Exporter struct {
	store *tableStore

	mu     sync.Mutex
	nextID int64
	jobs   map[int64]*jobInfo

	started   int64
	completed int64
	aborted   int64
}

type jobInfo struct {
	job      *exportJob
	finished time.Time
	err      error
}

func NewExporter(store *tableStore) *Exporter {
	return &Exporter{store: store, jobs: make(map[int64]*jobInfo)}
}

// Start launches the pipeline for spec and returns the job; the caller
// reads the rendered lines from job.Lines().
func (e *Exporter) Start(ctx context.Context, spec ExportSpec) *exportJob {
	e.mu.Lock()
	e.nextID++
	j := &exportJob{
		id:      e.nextID,
		spec:    spec,
		started: time.Now(),
		raw:     make(chan record, 64),
		out:     make(chan []byte),
	}
	e.jobs[j.id] = &jobInfo{job: j}
	e.mu.Unlock()
	atomic.AddInt64(&e.started, 1)

	go j.scan(ctx, e.store)
	go j.transform()
	return j
}

func (j *exportJob) Lines() <-chan []byte { return j.out }

func (j *exportJob) scan(ctx context.Context, store *tableStore) {
	defer close(j.raw)
	for p := 0; ; p++ {
		if ctx.Err() != nil {
			return
		}
		recs := store.readPage(j.spec.Table, p, j.spec.Rows)
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			j.raw <- r
			atomic.AddInt64(&j.scanned, 1)
		}
	}
}

func (j *exportJob) transform() {
	defer close(j.out)
	buf := make([]byte, 0, 128)
	for r := range j.raw {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, r.ID, 10)
		buf = append(buf, ',')
		buf = append(buf, r.Customer...)
		buf = append(buf, ',')
		buf = append(buf, r.Region...)
		buf = append(buf, ',')
		if j.spec.Cents {
			buf = strconv.AppendInt(buf, r.Cents, 10)
		} else {
			buf = strconv.AppendFloat(buf, float64(r.Cents)/100, 'f', 2, 64)
		}
		buf = append(buf, ',')
		buf = r.Created.AppendFormat(buf, time.RFC3339)
		buf = append(buf, '\n')
		line := make([]byte, len(buf))
		copy(line, buf)
		j.out <- line
		atomic.AddInt64(&j.encoded, 1)
	}
}

// finish records how the job ended.
func (e *Exporter) finish(j *exportJob, err error) {
	e.mu.Lock()
	if info, ok := e.jobs[j.id]; ok {
		info.finished = time.Now()
		info.err = err
	}
	e.mu.Unlock()
	if err != nil {
		atomic.AddInt64(&e.aborted, 1)
	} else {
		atomic.AddInt64(&e.completed, 1)
	}
}

// janitor forgets finished jobs after keep.
func (e *Exporter) janitor(ctx context.Context, every, keep time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			e.mu.Lock()
			for id, info := range e.jobs {
				if !info.finished.IsZero() && now.Sub(info.finished) > keep {
					delete(e.jobs, id)
				}
			}
			e.mu.Unlock()
		}
	}
}

type exporterStats struct {
	Started   int64 `json:"started"`
	Completed int64 `json:"completed"`
	Aborted   int64 `json:"aborted"`
	Tracked   int   `json:"tracked"`
}

func (e *Exporter) stats() exporterStats {
	e.mu.Lock()
	n := len(e.jobs)
	e.mu.Unlock()
	return exporterStats{
		Started:   atomic.LoadInt64(&e.started),
		Completed: atomic.LoadInt64(&e.completed),
		Aborted:   atomic.LoadInt64(&e.aborted),
		Tracked:   n,
	}
}
