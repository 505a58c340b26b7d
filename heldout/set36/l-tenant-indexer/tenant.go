package main

import (
	"context"
	"hash/fnv"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type doc struct {
	ID   string
	Body string
}

type ingestBatch struct {
	docs []doc
	ack  chan uint64 // cap 1: the sequence number the batch got
}

// tenantIndex is one tenant's index: a run loop buffers ingested documents
// and flushes them into a new segment per shard, after which they are
// visible to searches and to refresh waiters.
type tenantIndex struct {
	name     string
	shards   []*shard
	ingest   chan ingestBatch
	flushT   *flushTimer
	maxBatch int
	blobs    *blobClient
	stats    *indexStats

	mu        sync.Mutex
	nextSeq   uint64
	committed uint64
	changed   chan struct{} // closed and replaced on every commit
}

func newTenantIndex(name string, nShards int, blobs *blobClient, st *indexStats) *tenantIndex {
	ti := &tenantIndex{
		name:     name,
		ingest:   make(chan ingestBatch, 8),
		flushT:   newFlushTimer(time.Second),
		maxBatch: 240,
		blobs:    blobs,
		stats:    st,
		changed:  make(chan struct{}),
	}
	for i := 0; i < nShards; i++ {
		ti.shards = append(ti.shards, newShard(name, i))
	}
	return ti
}

func (ti *tenantIndex) run(ctx context.Context) {
	defer ti.flushT.Stop()
	var pending []doc
	var pendingSeq uint64
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-ti.ingest:
			ti.mu.Lock()
			ti.nextSeq++
			seq := ti.nextSeq
			ti.mu.Unlock()
			b.ack <- seq
			if len(pending) == 0 {
				ti.flushT.Arm()
			}
			pending = append(pending, b.docs...)
			pendingSeq = seq
			if len(pending) < ti.maxBatch {
				continue
			}
			ti.flushT.Disarm()
		case <-ti.flushT.C():
			ti.flushT.Fired()
		}
		if len(pending) == 0 {
			continue
		}
		ti.flush(ctx, pending, pendingSeq)
		pending = nil
	}
}

// flush builds one segment per shard in parallel and commits the batch
// once every shard is done.
func (ti *tenantIndex) flush(ctx context.Context, docs []doc, seq uint64) {
	parts := make([][]doc, len(ti.shards))
	for _, d := range docs {
		h := fnv.New32a()
		h.Write([]byte(d.ID))
		i := int(h.Sum32() % uint32(len(ti.shards)))
		parts[i] = append(parts[i], d)
	}
	start := time.Now()
	var wg sync.WaitGroup
	var failed int32
	for i, sh := range ti.shards {
		if len(parts[i]) == 0 {
			continue
		}
		wg.Add(1)
		go func(sh *shard, docs []doc) {
			defer wg.Done()
			if err := ti.buildSegment(ctx, sh, docs); err != nil {
				atomic.AddInt32(&failed, 1)
			}
		}(sh, parts[i])
	}
	wg.Wait()

	ti.mu.Lock()
	ti.committed = seq
	close(ti.changed)
	ti.changed = make(chan struct{})
	ti.mu.Unlock()
	atomic.AddInt64(&ti.stats.flushes, 1)
	atomic.AddInt64(&ti.stats.docs, int64(len(docs)))
	if failed > 0 {
		atomic.AddInt64(&ti.stats.segmentErrors, int64(failed))
		log.Printf("%s: flush of %d docs committed with %d shard errors in %v", ti.name, len(docs), failed, time.Since(start).Round(time.Millisecond))
	}
}

// buildSegment tokenizes the shard's documents, uploads the segment and
// appends it to the shard's segment list.
func (ti *tenantIndex) buildSegment(ctx context.Context, sh *shard, docs []doc) error {
	terms := 0
	for _, d := range docs {
		terms += len(strings.Fields(d.Body))
	}
	// analysis cost grows with the number of terms
	select {
	case <-after(80*time.Millisecond + time.Duration(terms)*200*time.Microsecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	// The upload happens under the shard's writer lock so that segment
	// ids, blobs and the manifest are written in the same order.
	if err := sh.lockWrite(ctx, 10*time.Second); err != nil {
		return err
	}
	defer sh.unlockWrite()
	seg := segment{id: sh.newSegmentID(), docs: len(docs)}
	seg.blob = seg.id
	if err := ti.blobs.put(ctx, seg.blob, 48*len(docs)); err != nil {
		return err
	}
	sh.add(seg)
	sh.writeManifest()
	return nil
}

// awaitCommitted blocks until seq is committed, ctx ends or wait passes.
func (ti *tenantIndex) awaitCommitted(ctx context.Context, seq uint64, wait time.Duration) (uint64, bool) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		ti.mu.Lock()
		committed, ch := ti.committed, ti.changed
		ti.mu.Unlock()
		if committed >= seq {
			return committed, true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return committed, false
		}
	}
}

func (ti *tenantIndex) enqueue(ctx context.Context, docs []doc) (uint64, error) {
	b := ingestBatch{docs: docs, ack: make(chan uint64, 1)}
	select {
	case ti.ingest <- b:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case seq := <-b.ack:
		return seq, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (ti *tenantIndex) search(term string) (hits int) {
	for _, sh := range ti.shards {
		for _, seg := range sh.segments() {
			if len(seg.id)%7 == len(term)%7 {
				hits += seg.docs / 10
			}
		}
	}
	return hits
}

type indexStats struct {
	flushes, docs, segmentErrors        int64
	mergesStarted, mergesDone, merged   int64
	mergeBusy, mergeErrors              int64
	ingested, ingestRejected, refreshes int64
}
