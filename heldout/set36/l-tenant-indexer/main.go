// Command l-tenant-indexer is a multi-tenant full-text indexing service.
// Each tenant's documents are buffered and flushed into per-shard segments
// uploaded to an object store; merge jobs compact small segments; clients
// ingest, search, and long-poll for their writes to become visible.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func addStat(p *int64) { atomic.AddInt64(p, 1) }

type nameList struct {
	mu    sync.Mutex
	names []string
}

var tenantNames nameList

func (l *nameList) add(n string) {
	l.mu.Lock()
	l.names = append(l.names, n)
	l.mu.Unlock()
}

func (l *nameList) pick() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.names) == 0 {
		return ""
	}
	return l.names[int(time.Now().UnixNano()/1000)%len(l.names)]
}

func serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Printf("http: %v", err)
	}
}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, IdleConnTimeout: 45 * time.Second}}

	store := newBlobStore()
	go store.brownouts(ctx)
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go serve(bln, store)

	stats := &indexStats{}
	ix := newIndexer(ctx, &blobClient{base: "http://" + bln.Addr().String(), hc: hc}, stats)
	go ix.jobs.janitor(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go serve(ln, ix)
	log.Printf("indexer on %s, blob store on %s", ln.Addr(), bln.Addr())

	c := &apiClient{base: "http://" + ln.Addr().String(), hc: hc, start: time.Now()}
	go onboard(ctx, c, 30)
	go mergeScheduler(ctx, c)
	for i := 0; i < 3; i++ {
		go searcher(ctx, c)
	}
	go report(ctx, stats, store)

	<-ctx.Done()
}

func report(ctx context.Context, st *indexStats, store *blobStore) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		store.mu.Lock()
		puts, gets, shed := store.puts, store.gets, store.shed
		store.mu.Unlock()
		log.Printf("flushes=%d docs=%d segErr=%d ingested=%d rejected=%d refreshes=%d | merges started=%d done=%d busy=%d errs=%d stuck=%d | blob puts=%d gets=%d shed=%d",
			atomic.LoadInt64(&st.flushes), atomic.LoadInt64(&st.docs), atomic.LoadInt64(&st.segmentErrors),
			atomic.LoadInt64(&st.ingested), atomic.LoadInt64(&st.ingestRejected), atomic.LoadInt64(&st.refreshes),
			atomic.LoadInt64(&st.mergesStarted), atomic.LoadInt64(&st.mergesDone), atomic.LoadInt64(&st.mergeBusy),
			atomic.LoadInt64(&st.mergeErrors), atomic.LoadInt64(&stuckJobs), puts, gets, shed)
	}
}
