// Command g-quote-hedger is a pricing gateway. It answers /quote and
// /basket requests by calling a pool of pricing replicas, hedging a second
// request to another replica when the first one is slow, and keeps an FX
// table refreshed in the background.
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

	pool := startReplicaPool(ctx, []string{"pricer-a", "pricer-b", "pricer-c"})
	go pool.chaos(ctx)

	transport := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	hc := &http.Client{Transport: transport}

	quotes := newHedgedClient(hc, pool.addrs(), 60*time.Millisecond)
	fx := newFXCache(hc, pool.addrs())
	go fx.refreshLoop(ctx, 2*time.Second)

	stats := newStatsCollector(256)
	go stats.run(ctx, 10*time.Second, quotes)

	gw := &gateway{quotes: quotes, fx: fx, stats: stats, timeout: 400 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: gw.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("gateway: %v", err)
		}
	}()
	log.Printf("gateway on %s, replicas %v", ln.Addr(), pool.addrs())

	lg := newLoadGen("http://" + ln.Addr().String())
	go lg.run(ctx)

	<-ctx.Done()
}
