// Command h-cache-refresh is a read-through cache in front of a slow object
// origin. /get, /mget and /put are answered from a per-key cache that
// refreshes expired entries from the origin (conditional GETs with ETags)
// and writes through to it; an eviction loop keeps the cache bounded.
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

	store := newOriginStore()
	go store.replicate(ctx)
	go store.churnPrices(ctx, 150*time.Millisecond)
	originAddr, err := serveOn(&originServer{store: store})
	if err != nil {
		log.Fatalf("origin: %v", err)
	}

	oc := &originClient{
		base: "http://" + originAddr,
		hc: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 24,
			IdleConnTimeout:     45 * time.Second,
		}},
	}
	cache := newRefreshCache(oc, 220, 1500*time.Millisecond)
	go cache.evictLoop(ctx, 4*time.Second, 25*time.Second)
	go cache.reportLoop(ctx, 10*time.Second)

	srv := &cacheServer{cache: cache, timeout: 900 * time.Millisecond, multiDeadline: 350 * time.Millisecond}
	addr, err := serveOn(srv.routes())
	if err != nil {
		log.Fatalf("cache: %v", err)
	}
	log.Printf("cache on %s, origin on %s", addr, originAddr)

	lg := newLoadGen("http://" + addr)
	go lg.run(ctx)
	go lg.editors(ctx)

	<-ctx.Done()
}

func serveOn(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("serve %s: %v", ln.Addr(), err)
		}
	}()
	return ln.Addr().String(), nil
}
