package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Record is a parsed log line.
type Record struct {
	Source string            `json:"source"`
	Offset int64             `json:"offset"`
	Time   string            `json:"ts"`
	Level  string            `json:"level"`
	Host   string            `json:"host"`
	Fields map[string]string `json:"fields"`
	Zone   string            `json:"zone,omitempty"`
	Team   string            `json:"team,omitempty"`
	Image  string            `json:"image,omitempty"`
}

var errMalformed = errors.New("malformed line")

// parseLine parses logfmt-ish key=value pairs; values may be double quoted.
func parseLine(l Line) (Record, error) {
	rec := Record{Source: l.Source, Offset: l.Offset, Fields: make(map[string]string, 8)}
	s := l.Text
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return Record{}, errMalformed
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return Record{}, errMalformed
			}
			val = s[1 : end+1]
			s = s[end+2:]
		} else {
			sp := strings.IndexByte(s, ' ')
			if sp < 0 {
				val, s = s, ""
			} else {
				val, s = s[:sp], s[sp:]
			}
		}
		switch key {
		case "ts":
			rec.Time = val
		case "level":
			rec.Level = val
		case "host":
			rec.Host = val
		default:
			rec.Fields[key] = val
		}
	}
	if rec.Time == "" || rec.Host == "" {
		return Record{}, errMalformed
	}
	if d, ok := rec.Fields["dur_ms"]; ok {
		if _, err := strconv.Atoi(d); err != nil {
			return Record{}, errMalformed
		}
	}
	return rec, nil
}

// ParserPool is a resizable set of parse workers.
type ParserPool struct {
	in    <-chan Line
	out   chan<- Record
	stats *Stats

	mu      sync.Mutex
	workers []chan struct{}
}

func NewParserPool(in <-chan Line, out chan<- Record, stats *Stats) *ParserPool {
	return &ParserPool{in: in, out: out, stats: stats}
}

func (p *ParserPool) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.workers)
}

func (p *ParserPool) Resize(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.workers) < n {
		quit := make(chan struct{})
		p.workers = append(p.workers, quit)
		go p.work(quit)
	}
	for len(p.workers) > n {
		last := len(p.workers) - 1
		close(p.workers[last])
		p.workers = p.workers[:last]
	}
}

func (p *ParserPool) work(quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case l := <-p.in:
			rec, err := parseLine(l)
			if err != nil {
				atomic.AddInt64(&p.stats.parseErrors, 1)
				continue
			}
			select {
			case p.out <- rec:
			case <-quit:
				return
			}
		}
	}
}

// Batcher groups records and flushes when a batch is full or old enough.
type Batcher struct {
	maxSize int
	maxAge  time.Duration
}

func (b *Batcher) run(ctx context.Context, in <-chan Record, out chan<- []Record) {
	batch := make([]Record, 0, b.maxSize)
	timer := time.NewTimer(b.maxAge)
	if !timer.Stop() {
		<-timer.C
	}
	timerRunning := false
	flush := func() {
		if len(batch) == 0 {
			return
		}
		select {
		case out <- batch:
		case <-ctx.Done():
		}
		batch = make([]Record, 0, b.maxSize)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case rec := <-in:
			batch = append(batch, rec)
			if len(batch) == 1 {
				timer.Reset(b.maxAge)
				timerRunning = true
			}
			if len(batch) >= b.maxSize {
				if timerRunning && !timer.Stop() {
					<-timer.C
				}
				timerRunning = false
				flush()
			}
		case <-timer.C:
			timerRunning = false
			flush()
		}
	}
}
