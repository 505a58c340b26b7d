package main

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Doc is an analyzed document ready to be written.
type Doc struct {
	ID      string
	Tokens  []string
	Price   int
	Deleted bool
}

func analyze(id, title string, price int) Doc {
	// tokenizing, stemming, synonym expansion...
	time.Sleep(time.Duration(15+rand.Intn(25)) * time.Millisecond)
	return Doc{ID: id, Tokens: strings.Fields(strings.ToLower(title)), Price: price}
}

// Index is an in-memory segmented index.
type Index struct {
	mu       sync.Mutex
	live     map[string]Doc
	segments [][]string
	commits  int
}

func NewIndex() *Index { return &Index{live: make(map[string]Doc)} }

func (ix *Index) Stats() (docs, segs, commits int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.live), len(ix.segments), ix.commits
}

func (ix *Index) commit(batch []Doc) {
	ids := make([]string, 0, len(batch))
	ix.mu.Lock()
	for _, d := range batch {
		if d.Deleted {
			delete(ix.live, d.ID)
			continue
		}
		ix.live[d.ID] = d
		ids = append(ids, d.ID)
	}
	ix.segments = append(ix.segments, ids)
	ix.commits++
	ix.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // fsync
}

// commitLoop batches writes, flushing on size or age.
func (ix *Index) commitLoop(ctx context.Context, in <-chan Doc, size int, maxAge time.Duration) {
	batch := make([]Doc, 0, size)
	t := time.NewTicker(maxAge)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-in:
			batch = append(batch, d)
			if len(batch) >= size {
				ix.commit(batch)
				batch = make([]Doc, 0, size)
			}
		case <-t.C:
			if len(batch) > 0 {
				ix.commit(batch)
				batch = make([]Doc, 0, size)
			}
		}
	}
}

func (ix *Index) mergeLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ix.mu.Lock()
			if len(ix.segments) > 4 {
				var merged []string
				for _, s := range ix.segments {
					merged = append(merged, s...)
				}
				if len(merged) > 20000 {
					merged = merged[len(merged)-20000:]
				}
				ix.segments = [][]string{merged}
			}
			ix.mu.Unlock()
		}
	}
}

// Pool is an autoscaling set of index workers for incremental updates.
type Pool struct {
	in       chan Update
	out      chan<- Doc
	min, max int
	idle     time.Duration

	size      int32 // atomic
	processed int64 // atomic
}

func NewPool(in chan Update, out chan<- Doc, min, max int, idle time.Duration) *Pool {
	p := &Pool{in: in, out: out, min: min, max: max, idle: idle}
	for i := 0; i < min; i++ {
		p.spawn()
	}
	return p
}

func (p *Pool) Size() int     { return int(atomic.LoadInt32(&p.size)) }
func (p *Pool) QueueLen() int { return len(p.in) }

func (p *Pool) spawn() {
	atomic.AddInt32(&p.size, 1)
	go p.worker()
}

func (p *Pool) worker() {
	idle := time.NewTimer(p.idle)
	defer idle.Stop()
	for {
		select {
		case u := <-p.in:
			d := analyze(u.SKU, u.Title, u.Price)
			d.Deleted = u.Deleted
			p.out <- d
			atomic.AddInt64(&p.processed, 1)
			if !idle.Stop() {
				<-idle.C
			}
			idle.Reset(p.idle)
		case <-idle.C:
			// retire if above the floor; otherwise keep waiting
			for {
				n := atomic.LoadInt32(&p.size)
				if int(n) <= p.min {
					idle.Reset(p.idle)
					break
				}
				if atomic.CompareAndSwapInt32(&p.size, n, n-1) {
					return
				}
			}
		}
	}
}

// autoscale adds workers while the queue is deep.
func (p *Pool) autoscale(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			depth := len(p.in)
			size := p.Size()
			want := size
			switch {
			case depth > 4*size:
				want = size * 2
			case depth > size:
				want = size + 1
			}
			if want > p.max {
				want = p.max
			}
			for i := size; i < want; i++ {
				p.spawn()
			}
		}
	}
}

// Rebuilder runs full catalog rebuilds. All rebuilds share one semaphore so
// analysis concurrency stays bounded however many rebuilds are running.
type Rebuilder struct {
	out chan<- Doc
	sem chan struct{}
}

func NewRebuilder(out chan<- Doc, parallel int) *Rebuilder {
	return &Rebuilder{out: out, sem: make(chan struct{}, parallel)}
}

// Rebuild re-analyzes every document of a merchant's catalog.
func (rb *Rebuilder) Rebuild(ctx context.Context, merchant string, catalog int) (int, error) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	var indexed int64
	for i := 0; i < catalog; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			select {
			case rb.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-rb.sem }()
			id := fmt.Sprintf("%s-%04d", merchant, i)
			// full rebuilds re-read stored image metadata as well
			time.Sleep(time.Duration(10+rand.Intn(20)) * time.Millisecond)
			d := analyze(id, titles[i%len(titles)], 100+i)
			select {
			case rb.out <- d:
				atomic.AddInt64(&indexed, 1)
			case <-ctx.Done():
			}
		}(i)
	}
	// snapshot the catalog version, then release everyone at once
	time.Sleep(time.Duration(10+rand.Intn(40)) * time.Millisecond)
	close(gate)
	wg.Wait()
	return int(atomic.LoadInt64(&indexed)), ctx.Err()
}

// scheduled runs a full rebuild of some merchant every 15-25s.
func (rb *Rebuilder) scheduled(ctx context.Context, reg *Registry) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(15+rand.Intn(10)) * time.Second):
		}
		m, ok := reg.Pick()
		if !ok {
			continue
		}
		// the nightly-style rebuild includes archived products too
		n, err := rb.Rebuild(ctx, m.Name, m.Catalog+100+rand.Intn(100))
		if err != nil {
			reg.logger.Printf("rebuild %s: %d docs, %v", m.Name, n, err)
		}
	}
}
