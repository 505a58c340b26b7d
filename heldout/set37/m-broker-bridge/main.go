// Command m-broker-bridge bridges topics of an upstream message broker to
// an HTTP ingest service. For every configured subscription the bridge
// keeps one upstream link (a TCP connection speaking the broker's line
// protocol); messages read from a link are handed to a pool of forwarders
// that POST them downstream and then acknowledge them on the link.
//
// The process also runs the broker itself (which restarts and rebalances
// its consumers now and then), the downstream ingest service, an admin
// endpoint and an operator that adds and retires subscriptions.
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

	b := newBroker()
	brokerLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("broker listen: %v", err)
	}
	go b.serve(brokerLn)
	go b.produce(ctx)
	go b.chaos(ctx)

	sink := newIngest()
	sinkURL := listenHTTP("ingest", sink)

	br := newBridge(ctx, brokerLn.Addr().String(), sinkURL)
	br.startForwarders(8)
	adminURL := listenHTTP("admin", br.adminRoutes())

	op := &operator{br: br}
	go op.run(ctx)

	go watchAdmin(ctx, adminURL)
	go reportStats(ctx, b, br, sink)

	<-ctx.Done()
}

func listenHTTP(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: serve: %v", name, err)
		}
	}()
	log.Printf("%s listening on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}

func reportStats(ctx context.Context, b *broker, br *bridge, sink *ingest) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		st := br.stats()
		log.Printf("stats: broker conns=%d published=%d restarts=%d kicked=%d | subs=%d links=%d dials=%d drops=%d forwarded=%d fwdErr=%d ackErr=%d | ingest=%d",
			b.connCount(), b.published.Load(), b.restarts.Load(), b.kicked.Load(),
			st.Subs, st.Links, st.Dials, st.Drops, st.Forwarded, st.FwdErrors, st.AckErrors, sink.received.Load())
	}
}
