// Command l-poll-gateway is a long-poll notification gateway. Upstream
// feeds publish events to topics over HTTP; client sessions open a lease
// and keep long polls (up to 90 s) open on groups of topics, each poll
// answered as soon as any of its topics has news or when its deadline
// passes.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	h := newHub(128)
	gw := newGateway(h, gatewayConfig{
		maxWaiting: 130,
		maxWait:    90 * time.Second,
		linger:     40 * time.Millisecond,
	})
	comp := &compactor{hub: h, keep: 2 * time.Minute, store: newSnapshotStore()}
	go comp.run(ctx, 15*time.Second)
	go gw.report(ctx, 10*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           gw.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("gateway: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("poll gateway on %s", base)

	transport := &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}
	client := &http.Client{Transport: transport}

	feeds := newFeedRoster(base, client)
	go feeds.run(ctx)
	clients := newSessionRoster(base, client, feeds)
	go clients.run(ctx)

	<-ctx.Done()
}
