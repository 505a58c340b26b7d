// Command e-fanout-gateway is an edge gateway that serves product pages by
// fanning each request out to a fleet of item backends over keep-alive HTTP.
// The fleet grows while the service runs (new backends are brought up every
// few seconds) and traffic arrives in bursts separated by lulls, so upstream
// connections are opened, parked idle, reaped and re-dialed all the time.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
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

	fleet := newFleet()
	for i := 0; i < 2; i++ {
		if _, err := fleet.launch(); err != nil {
			log.Fatalf("launch backend: %v", err)
		}
	}
	go fleet.growLoop(ctx, 14*time.Second, 9)

	up := newUpstream(fleet, upstreamConfig{
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     3 * time.Second,
		RequestTimeout:      450 * time.Millisecond,
	})
	go up.healthLoop(ctx, 2*time.Second)

	gw := &gateway{up: up, fanout: 3}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	front := &http.Server{
		Handler:           gw.routes(),
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       10 * time.Second,
	}
	go func() {
		if err := front.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("front: %v", err)
		}
	}()

	lg := newLoadGen("http://"+ln.Addr().String(), time.Now())
	go lg.run(ctx)
	go reportLoop(ctx, 10*time.Second, fleet, gw, lg)

	<-ctx.Done()
}

func reportLoop(ctx context.Context, every time.Duration, f *fleet, gw *gateway, lg *loadGen) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, failed := gw.stats()
			log.Printf("report: backends=%d pages_ok=%d pages_failed=%d client_ok=%d client_err=%d",
				f.size(), ok, failed, lg.ok.Load(), lg.errs.Load())
		}
	}
}
