// Command k-session-broker is a small pub/sub session broker speaking a
// line protocol over TCP. Clients open a session (HELLO or RESUME after a
// network change), subscribe to topics, ping to keep their lease, and get
// heartbeats from the broker; a reaper evicts sessions whose lease ran out.
package main

import (
	"context"
	"log"
	"net"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	b := NewBroker(Config{
		Heartbeat:    2 * time.Second,
		LeaseTTL:     8 * time.Second,
		ReapEvery:    time.Second,
		WriteTimeout: time.Second,
	})
	go func() {
		if err := b.Serve(ctx, ln); err != nil {
			log.Printf("broker: %v", err)
		}
	}()
	go b.reapLoop(ctx)
	go b.logStats(ctx, 10*time.Second)
	log.Printf("broker listening on %s", ln.Addr())

	fleet := newClientFleet(ln.Addr().String())
	for _, topic := range feedTopics {
		go fleet.runFeed(ctx, topic)
	}
	go fleet.run(ctx)

	<-ctx.Done()
}
