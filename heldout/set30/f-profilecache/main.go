// Command profilecache serves user profiles from an in-memory cache in
// front of a slow profile origin (an HTTP service). Concurrent misses for
// the same key are collapsed into one origin fetch.
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
	log.SetFlags(log.Ltime)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	origin := newOrigin()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	osrv := &http.Server{Handler: origin, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 15 * time.Second}
	go osrv.Serve(ln)

	client := &originClient{
		base: "http://" + ln.Addr().String(),
		hc: &http.Client{
			Timeout: 2 * time.Second,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 24,
				IdleConnTimeout:     5 * time.Second,
			},
		},
	}

	cache := NewCache(client.fetch, CacheConfig{
		MinTTL:        2 * time.Second,
		MaxTTL:        7 * time.Second,
		NegativeTTL:   time.Second,
		FetchTimeout:  1500 * time.Millisecond,
		JanitorPeriod: 2 * time.Second,
	})
	go cache.Janitor(ctx)
	go cache.RefreshAhead(ctx, 4300*time.Millisecond, 24)

	fe := newFrontend(cache)
	go fe.drive(ctx)

	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				cs := cache.Stats()
				log.Printf("cache entries=%d hits=%d misses=%d shared=%d loads=%d loadErrs=%d evicted=%d | fe ok=%d err=%d inflight=%d | origin reqs=%d",
					cs.Entries, cs.Hits, cs.Misses, cs.Shared, cs.Loads, cs.LoadErrors, cs.Evicted,
					fe.okCount(), fe.errCount(), fe.inflightCount(), origin.count())
			}
		}
	}()

	<-ctx.Done()
}
