// Command k-feed-refresher is a feed aggregator. It polls a growing set of
// publisher feeds over HTTP (conditional GETs, backoff on errors), fetches
// thumbnails for new items, and pushes new items to reader sessions that
// stay connected over a line protocol on TCP.
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

	// Upstream publishers (simulated on loopback).
	pub := newPublisher()
	pubLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("publisher listen: %v", err)
	}
	pubSrv := &http.Server{Handler: pub, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 45 * time.Second}
	go func() {
		if err := pubSrv.Serve(pubLn); err != nil && err != http.ErrServerClosed {
			log.Printf("publisher: %v", err)
		}
	}()

	st := &stats{}
	h := newHub()
	store := newItemStore(20)
	client := &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        128,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     30 * time.Second,
		},
	}

	roster := &feedRoster{
		baseURL: "http://" + pubLn.Addr().String(),
		client:  client,
		hub:     h,
		store:   store,
		stats:   st,
		initial: 6,
		max:     46,
		every:   3 * time.Second,
	}
	go roster.run(ctx)

	pushLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("push listen: %v", err)
	}
	ps := &pushServer{hub: h, digests: &digester{store: store}, stats: st}
	go ps.serve(ctx, pushLn)
	log.Printf("publisher on %s, push on %s", pubLn.Addr(), pushLn.Addr())

	readers := &readerPool{addr: pushLn.Addr().String(), roster: roster, stats: st}
	go readers.run(ctx)

	go st.report(ctx, 15*time.Second, roster)

	<-ctx.Done()
}
