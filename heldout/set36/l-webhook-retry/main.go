// Command l-webhook-retry is a webhook delivery service. Producers post
// events to its ingest API; every event is fanned out to the customer
// endpoints subscribed to its topic, with redelivery on failure
// (exponential backoff, Retry-After, and a per-endpoint circuit breaker).
package main

import (
	"context"
	"log"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	farm, err := startReceiverFarm(ctx)
	if err != nil {
		log.Fatalf("receivers: %v", err)
	}
	go farm.chaos(ctx)

	reg := newRegistry()
	led := newLedger()
	go led.run(ctx, 1700*time.Millisecond)

	disp := newDispatcher(ctx, reg, led)
	go disp.run()

	api, err := startIngestAPI(ctx, disp)
	if err != nil {
		log.Fatalf("ingest: %v", err)
	}
	log.Printf("webhook service: ingest %s, receivers %s", api.url, farm.base)

	go growEndpoints(ctx, reg, farm, 5, 13, 12*time.Second)
	go growProducers(ctx, api.url, 3, 14, 8*time.Second)
	go report(ctx, disp, 20*time.Second)

	<-ctx.Done()
}

func report(ctx context.Context, d *dispatcher, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pending := 0
		for _, ep := range d.registry.snapshot() {
			_, _, p := ep.stats()
			pending += p
		}
		log.Printf("dispatch: accepted=%d completed=%d attempts=%d pending-retries=%d in-flight=%d",
			atomic.LoadInt64(&d.accepted), atomic.LoadInt64(&d.completed),
			atomic.LoadInt64(&d.attempts), pending, len(d.slots))
	}
}
