// Command j-notify-hub is a small notification hub. Producers publish
// events to topics over HTTP; browser and mobile clients follow a topic
// with long-polls that the hub parks until something new arrives or the
// request's own deadline runs out; tenants register webhooks for a topic
// prefix, and every webhook has a deliverer that posts events to the
// partner's endpoint and waits out a back-off between failed attempts.
//
// The same process runs the partner endpoints (some healthy, some slow,
// some in maintenance or broken), a growing fleet of subscribers, the
// publishers and an operator that registers and removes webhooks.
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

	partners := newPartnerFarm()
	partnerURL := listen("partners", partners)

	deliveryTransport := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	hooks := newHookRegistry(ctx, &http.Client{Transport: deliveryTransport, Timeout: 3 * time.Second})
	h := newHub(hooks)
	hubURL := listen("hub", newAPI(h, 180*time.Second))

	clientTransport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: 90 * time.Second}

	fl := newFleet(hubURL, clientTransport)
	go fl.run(ctx)

	pub := newPublisher(hubURL, clientTransport)
	go pub.run(ctx)

	op := newHookOperator(hubURL, partnerURL, partners, clientTransport)
	go op.run(ctx)

	go reportStats(ctx, h, fl, pub, op)

	<-ctx.Done()
}

func listen(name string, handler http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: serve: %v", name, err)
		}
	}()
	log.Printf("%s listening on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}

func reportStats(ctx context.Context, h *hub, fl *fleet, pub *publisher, op *hookOperator) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		hs := h.hooks.snapshot()
		log.Printf("stats: topics=%d pollers=%d published=%d | subscribers=%d joined=%d left=%d polls=%d empty=%d events=%d | hooks=%d delivered=%d failed=%d retrying=%d deadletter=%d dropped=%d | publish=%d pubErr=%d hookOps=%d",
			h.topicCount(), h.pollers(), h.published.Load(),
			fl.active.Load(), fl.joined.Load(), fl.left.Load(), fl.polls.Load(), fl.empty.Load(), fl.events.Load(),
			hs.hooks, hs.delivered, hs.failed, hs.retrying, hs.deadLettered, hs.dropped,
			pub.sent.Load(), pub.errors.Load(), op.changes.Load())
	}
}
