// Command m-alert-stream fans alerts out to on-call consoles. Alert
// sources POST alerts to an HTTP ingest endpoint; a router matches them
// against subscriptions and pushes them down long-lived TCP streams to
// connected consoles, which authenticate, subscribe to topics and get a
// replay of recent alerts on connect. Consoles come and go over the day;
// more of them connect as the incident grows.
package main

import (
	"context"
	"log"
	"net"
	"time"

	"example.com/heldout/internal/snapkit"
)

var topics = []string{"db", "edge", "payments", "auth", "search", "queue", "storage"}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	hist := newHistory(200)
	st := newStreamServer(hist, streamOptions{
		authWindow:  3 * time.Second,
		heartbeat:   5 * time.Second,
		idleLimit:   25 * time.Second,
		queueLen:    48,
		replayCount: 12,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go st.acceptLoop(ctx, ln)

	rt := newRouter(st, hist, 3)
	go rt.run(ctx)

	ingestAddr, err := startIngest(ctx, rt)
	if err != nil {
		log.Fatalf("ingest: %v", err)
	}
	for i, t := range topics {
		src := &alertSource{name: "prom-" + t, topic: t, url: ingestAddr + "/v1/alerts",
			every: time.Duration(600+150*i) * time.Millisecond}
		go src.run(ctx)
	}

	cs := &consoleSim{addr: ln.Addr().String()}
	go cs.run(ctx)

	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				log.Printf("stats: streams=%d opened=%d closed=%d routed=%d dropped=%d consoles=%d",
					st.count(), st.opened.Load(), st.closed.Load(), rt.routed.Load(), rt.dropped.Load(), cs.live.Load())
			}
		}
	}()

	<-ctx.Done()
}
