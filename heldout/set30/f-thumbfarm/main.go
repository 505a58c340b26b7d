// Command thumbfarm is a small thumbnail-rendering service. Each HTTP
// request asks for one source image rendered in several sizes; the sizes
// are rendered in parallel on an autoscaling pool of render workers.
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

	pool := NewPool(PoolConfig{
		MinWorkers:     2,
		MaxWorkers:     48,
		QueueDepth:     256,
		IdleTimeout:    4 * time.Second,
		MaxJobs:        900,
		ScaleInterval:  100 * time.Millisecond,
		ShrinkCooldown: 500 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go pool.Autoscale(ctx)

	srv := &Server{pool: pool, renderTimeout: 2 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/thumb", srv.handleThumb)
	mux.HandleFunc("/debug/pool", srv.handlePoolStats)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       10 * time.Second,
	}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("thumbfarm listening on %s", base)

	lg := newLoadGen(base)
	go lg.run(ctx)
	go monitor(ctx, base, 5*time.Second, lg)

	select {} // snapkit exits the process after the last snapshot
}
