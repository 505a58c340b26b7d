// Command j-event-bridge forwards domain events from a work queue (the
// "source" broker, with prefetch, visibility timeouts and redelivery) into
// a downstream log (the "sink" broker, with asynchronous publisher
// confirms). A delivery is acked upstream only after the sink confirmed
// it; publishes that are not confirmed within the ack timeout are retried
// and finally handed back to the source for redelivery.
package main

import (
	"context"
	"log"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	src, err := startSourceBroker(ctx, 10*time.Second)
	if err != nil {
		log.Fatalf("source broker: %v", err)
	}
	sink, err := startSinkBroker(ctx)
	if err != nil {
		log.Fatalf("sink broker: %v", err)
	}

	consumer, err := dialSource(src.Addr(), "orders", 32)
	if err != nil {
		log.Fatalf("subscribe: %v", err)
	}
	go consumer.readLoop(ctx)

	confirms := newConfirmTracker()
	pub, err := dialSink(sink.Addr(), confirms)
	if err != nil {
		log.Fatalf("dial sink: %v", err)
	}
	go pub.confirmLoop()

	b := &bridge{
		cfg: bridgeConfig{
			Forwarders:  8,
			AckTimeout:  1500 * time.Millisecond,
			MaxAttempts: 3,
			Backoff:     200 * time.Millisecond,
			Redeliver:   3 * time.Second,
		},
		src:      consumer,
		sink:     pub,
		confirms: confirms,
		routes: map[string]string{
			"order":     "fulfilment",
			"payment":   "ledger",
			"inventory": "catalog",
		},
	}
	go b.run(ctx)
	go b.watchLag(ctx, &depthProbe{addr: src.Addr(), queue: "orders"}, 10*time.Second)
	log.Printf("bridge: source %s -> sink %s", src.Addr(), sink.Addr())

	em := &emitter{addr: src.Addr(), queue: "orders", start: time.Now()}
	em.run(ctx)

	<-ctx.Done()
}
