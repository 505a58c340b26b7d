package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Batch is a page of catalog updates read from one partition.
type Batch struct {
	Partition int
	Offset    int64
	Docs      []Doc
}

// Ingester feeds partition updates through a bounded queue into a pool of
// indexing workers.
type Ingester struct {
	idx   *Index
	queue chan Batch

	mu         sync.Mutex
	partitions map[int]context.CancelFunc

	batches int64
	docs    int64
}

type ingestStats struct {
	Partitions int   `json:"partitions"`
	Batches    int64 `json:"batches"`
	Docs       int64 `json:"docs"`
	Queued     int   `json:"queued"`
}

// StartIngest starts the indexing workers and returns; partitions are
// attached with AddPartition.
func StartIngest(ctx context.Context, idx *Index, workers, depth int) *Ingester {
	in := &Ingester{
		idx:        idx,
		queue:      make(chan Batch, depth),
		partitions: make(map[int]context.CancelFunc),
	}
	for i := 0; i < workers; i++ {
		go in.indexWorker(ctx, i)
	}
	return in
}

// AddPartition starts a consumer for partition id.
func (in *Ingester) AddPartition(ctx context.Context, id int) {
	pctx, cancel := context.WithCancel(ctx)
	in.mu.Lock()
	if _, ok := in.partitions[id]; ok {
		in.mu.Unlock()
		cancel()
		return
	}
	in.partitions[id] = cancel
	in.mu.Unlock()
	go in.consumePartition(pctx, id)
}

func (in *Ingester) consumePartition(ctx context.Context, id int) {
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	var offset int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
		b := fetchBatch(id, offset)
		offset += int64(len(b.Docs))
		select {
		case in.queue <- b:
		case <-ctx.Done():
			return
		}
	}
}

var vocabulary = strings.Fields("red blue green steel oak linen wool lamp chair table desk sofa rug mug kettle " +
	"shelf mirror clock vase pillow blanket stool bench cabinet drawer frame candle basket bowl plate")

// fetchBatch fabricates the next page of a partition's change log.
func fetchBatch(partition int, offset int64) Batch {
	n := 20 + randIntn(40)
	docs := make([]Doc, n)
	for i := range docs {
		terms := make([]string, 3+randIntn(4))
		for j := range terms {
			terms[j] = vocabulary[randIntn(len(vocabulary))]
		}
		docs[i] = Doc{
			ID:    fmt.Sprintf("p%02d-%08d", partition, offset+int64(i)),
			Title: strings.Join(terms, " "),
			Terms: terms,
			Price: 500 + randIntn(50000),
		}
	}
	return Batch{Partition: partition, Offset: offset, Docs: docs}
}

func (in *Ingester) indexWorker(ctx context.Context, n int) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-in.queue:
			in.apply(b)
		}
	}
}

func (in *Ingester) apply(b Batch) {
	byShard := make(map[*Shard][]Doc)
	for _, d := range b.Docs {
		sh := in.idx.shardFor(d.ID)
		byShard[sh] = append(byShard[sh], d)
	}
	// analysis + segment write
	time.Sleep(randDur(120*time.Millisecond, 240*time.Millisecond))
	for sh, docs := range byShard {
		sh.Add(docs)
	}
	atomic.AddInt64(&in.batches, 1)
	atomic.AddInt64(&in.docs, int64(len(b.Docs)))
}

func (in *Ingester) snapshot() ingestStats {
	in.mu.Lock()
	n := len(in.partitions)
	in.mu.Unlock()
	return ingestStats{
		Partitions: n,
		Batches:    atomic.LoadInt64(&in.batches),
		Docs:       atomic.LoadInt64(&in.docs),
		Queued:     len(in.queue),
	}
}
