// Command g-report-exporter streams CSV exports of billing tables over
// HTTP. Each export runs as a small pipeline (scan -> transform) feeding
// the response writer; scheduled in-process exports run alongside the
// interactive ones.
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

	store := newTableStore()
	exp := NewExporter(store)
	go exp.janitor(ctx, 5*time.Second, 30*time.Second)

	srv := &server{exp: exp, exportTimeout: 2500 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	hs := &http.Server{Handler: srv.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("exporter on %s", ln.Addr())

	go runScheduledReports(ctx, exp, 4*time.Second)
	go reportMetrics(ctx, exp, 10*time.Second)

	lg := newLoadGen("http://" + ln.Addr().String())
	go lg.run(ctx)

	<-ctx.Done()
}
