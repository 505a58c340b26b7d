// Command e-price-stream is a market-data fan-out server: clients connect
// over TCP, subscribe to a set of instruments, receive a snapshot and then
// a stream of ticks until they unsubscribe or go away. A simulated client
// population connects in bursts and holds subscriptions for random times.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	h := newHub(instruments)
	go h.runFeed(ctx, 100*time.Millisecond)

	store := newSnapshotStore(h)
	go store.expireLoop(ctx, time.Second)

	srv, err := newStreamServer(ctx, h, store)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go srv.serve()

	pop := newPopulation(srv.addr(), time.Now())
	go pop.run(ctx)

	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for range t.C {
		st := srv.stats()
		log.Printf("stats: active=%d sessions=%d welcome_failed=%d dropped=%d clients_live=%d clients_done=%d handshake_timeouts=%d",
			h.active(), st.sessions, st.welcomeFailed, h.dropped.Load(),
			pop.live.Load(), pop.done.Load(), pop.hsTimeouts.Load())
	}
}
