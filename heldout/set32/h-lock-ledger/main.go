// Command h-lock-ledger is an account ledger. Postings arrive over HTTP and
// are queued on their account; a settler goroutine per account settles
// them in short cycles against the shared general ledger, FX table and
// exposure book, and hands each settlement to the write-ahead journal.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	j := newJournal()
	go j.run(ctx)
	fx := newFXTable()
	go fx.refresh(ctx, 1500*time.Millisecond)
	ledger := NewLedger(ctx, j, fx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           newAPI(ledger, j),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("ledger listening on %s", ln.Addr())

	gen := newLoadGen("http://" + ln.Addr().String())
	go gen.run(ctx)

	go reportStats(ctx, ledger, j, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, l *Ledger, j *journal, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("stats: accounts=%d submitted=%d settled=%d settlements=%d rejected=%d journaled=%d commits=%d",
				l.numAccounts(), atomic.LoadInt64(&l.submitted), atomic.LoadInt64(&l.settled),
				atomic.LoadInt64(&l.settlements), atomic.LoadInt64(&l.rejectedFull),
				atomic.LoadInt64(&j.written), atomic.LoadInt64(&j.commits))
		}
	}
}
