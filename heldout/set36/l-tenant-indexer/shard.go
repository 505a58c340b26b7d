package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var errShardBusy = errors.New("shard writer lock busy")

type segment struct {
	id    string
	blob  string
	docs  int
	level int
}

// shard holds one slice of a tenant's index: an ordered list of segments.
// Writers (flushes adding a segment, merges swapping segments) serialize
// on wlock, a channel so that they can give up after a while; readers
// take a snapshot of the list under mu.
type shard struct {
	tenant string
	id     int
	wlock  chan struct{}

	mu      sync.RWMutex
	segs    []segment
	nextSeg int
}

func newShard(tenant string, id int) *shard {
	return &shard{tenant: tenant, id: id, wlock: make(chan struct{}, 1)}
}

func (s *shard) lockWrite(ctx context.Context, wait time.Duration) error {
	select {
	case s.wlock <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.wlock <- struct{}{}:
		return nil
	case <-after(wait):
		return errShardBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *shard) unlockWrite() { <-s.wlock }

func (s *shard) newSegmentID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSeg++
	return fmt.Sprintf("%s/s%d/%06d", s.tenant, s.id, s.nextSeg)
}

func (s *shard) segments() []segment {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]segment(nil), s.segs...)
}

func (s *shard) add(seg segment) {
	s.mu.Lock()
	s.segs = append(s.segs, seg)
	s.mu.Unlock()
}

// replace swaps the merged segments for their merge result, keeping any
// segment flushed since the merge took its snapshot.
func (s *shard) replace(old []segment, merged segment) {
	gone := make(map[string]bool, len(old))
	for _, o := range old {
		gone[o.id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := []segment{merged}
	for _, seg := range s.segs {
		if !gone[seg.id] {
			keep = append(keep, seg)
		}
	}
	s.segs = keep
}

func (s *shard) docCount() (segs, docs int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, seg := range s.segs {
		docs += seg.docs
	}
	return len(s.segs), docs
}

// writeManifest persists the shard's segment list. It runs with the
// writer lock held; the disk has a slow tail.
func (s *shard) writeManifest() {
	d := between(60*time.Millisecond, 300*time.Millisecond)
	if chance(0.15) {
		d = between(900*time.Millisecond, 2200*time.Millisecond)
	}
	time.Sleep(d)
}
