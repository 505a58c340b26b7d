// Command k-ws-heartbeat is a websocket push gateway: clients upgrade on
// /ws and subscribe to topics, in-process feeds and upstream publishers
// post updates, and every session is kept honest with ping/pong heartbeats.
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

	h := newHub()
	feeds := []*feed{
		{topic: "markets", every: 250 * time.Millisecond, spread: 250 * time.Millisecond},
		{topic: "scores", every: time.Second, spread: time.Second},
		{topic: "news", every: 3 * time.Second, spread: 3 * time.Second},
		{topic: "alerts", every: 5 * time.Second, spread: 10 * time.Second},
	}
	for _, f := range feeds {
		go f.run(ctx, h)
	}
	go presenceLoop(ctx, h, 5*time.Second)
	go logStats(h, 20*time.Second, ctx.Done())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	a := &api{hub: h}
	hs := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	addr := ln.Addr().String()
	log.Printf("ws gateway on %s", addr)

	users := &userLoad{addr: addr, start: time.Now()}
	go users.run(ctx)
	go publisher(ctx, "http://"+addr)

	<-ctx.Done()
}
