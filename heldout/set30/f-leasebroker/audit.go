package main

import (
	"context"
	"sync/atomic"
)

type event struct {
	session uint64
	kind    string
	n       int
}

// auditLog collects session events on a single writer goroutine. Events
// are dropped rather than blocking the session loops when it falls behind.
type auditLog struct {
	ch      chan event
	dropped int64
	written int64
	byKind  map[string]int
}

func newAuditLog(buf int) *auditLog {
	return &auditLog{ch: make(chan event, buf), byKind: make(map[string]int)}
}

func (a *auditLog) record(e event) {
	select {
	case a.ch <- e:
	default:
		atomic.AddInt64(&a.dropped, 1)
	}
}

func (a *auditLog) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-a.ch:
			a.byKind[e.kind]++
			atomic.AddInt64(&a.written, 1)
		}
	}
}

func (a *auditLog) count() int64 { return atomic.LoadInt64(&a.written) }
