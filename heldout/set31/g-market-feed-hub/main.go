// Command g-market-feed-hub is a small market-data fan-out hub. Price
// sources and an HTTP ingest endpoint publish ticks into a Broker; every
// subscriber gets its own forwarder goroutine that hands events to a
// consumer which applies them in batches (downstream risk engines, UI
// snapshotters, audit writers...). Subscribers come and go during the run.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

var topics = []string{"equities", "fx", "crypto", "rates"}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	broker := NewBroker(512)
	for i, t := range topics {
		StartSource(ctx, broker, t, symbolsFor(t), time.Duration(40+15*i)*time.Millisecond)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           newAPI(broker),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("feed hub listening on %s", ln.Addr())

	r := newRoster(ctx, broker, topics)
	go r.run()

	gen := newLoadGen("http://"+ln.Addr().String(), topics)
	go gen.run(ctx)

	go reportStats(ctx, broker, r, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, b *Broker, r *roster, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := b.Stats()
			joined, left, active := r.counts()
			log.Printf("stats: published=%d dropped=%d subs=%d consumers=%d joined=%d left=%d",
				st.Published, st.Dropped, st.Subscribers, active, joined, left)
		}
	}
}
