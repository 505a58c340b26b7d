// Command h-stream-relay is a subscription relay in front of an upstream
// feed server. Clients subscribe over HTTP (long-poll or streamed NDJSON);
// for every subscription the relay dials its own TCP stream to the feed and
// runs a reader that decodes frames and routes them to the subscriber.
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

var (
	topicNames   = []string{"orders.eu", "orders.us", "settlements", "alerts"}
	topicWeights = []int{40, 30, 20, 10}
	topicRates   = map[string]time.Duration{
		"orders.eu":   250 * time.Millisecond,
		"orders.us":   600 * time.Millisecond,
		"settlements": 3500 * time.Millisecond,
		"alerts":      9 * time.Second,
	}
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	feed, err := newFeedServer(3*time.Second, topicRates)
	if err != nil {
		log.Fatalf("feed: %v", err)
	}
	feed.Start(ctx)

	relay := NewRelay(feed.Addr(), 128)
	go relay.reapIdle(ctx, 5*time.Second, 12*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           newAPI(relay, topicNames),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("relay listening on %s, upstream feed on %s", ln.Addr(), feed.Addr())

	gen := newLoadGen("http://"+ln.Addr().String(), topicNames, topicWeights)
	go gen.run(ctx)

	go reportStats(ctx, relay, feed, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, r *Relay, f *feedServer, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := &r.stats
			log.Printf("stats: active=%d subscribed=%d released=%d frames=%d heartbeats=%d orphan=%d dropped=%d upstream_open=%d",
				r.activeSubs(), atomic.LoadInt64(&st.subscribed), atomic.LoadInt64(&st.released),
				atomic.LoadInt64(&st.frames), atomic.LoadInt64(&st.heartbeats),
				atomic.LoadInt64(&st.orphanFrames), atomic.LoadInt64(&st.dropped),
				atomic.LoadInt64(&f.open))
		}
	}
}
