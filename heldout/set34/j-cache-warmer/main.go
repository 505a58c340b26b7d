// Command j-cache-warmer is a read-through cache in front of a slow product
// origin. Keys that are read get a refresher that re-fetches them shortly
// before they go stale; on top of that, warm-up waves prefetch the keys of
// a few page segments (homepage, deals, new arrivals) on their own
// schedules so the first reader does not pay the origin's latency. Every
// origin fetch has its own timeout. The process also runs the origin and
// the storefront traffic that reads through the cache.
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

	catalog := newCatalog(300)
	go catalog.grow(ctx)

	origin := newOrigin(catalog)
	go origin.weather(ctx)
	originURL := serve("origin", origin.routes())

	w := newWarmer(ctx, originURL, warmerConfig{
		fetchTimeout: 3 * time.Second,
		originSlots:  8,
		maxEntries:   600,
	})
	sched := newScheduler(w, catalog)
	go sched.run(ctx)

	front := serve("front", (&frontAPI{w: w}).routes())
	shop := newStorefront(front, catalog)
	go shop.run(ctx)

	go statsLoop(ctx, w, sched, shop, origin)
	<-ctx.Done()
}

func serve(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	log.Printf("%s on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}

func statsLoop(ctx context.Context, w *warmer, s *scheduler, shop *storefront, o *origin) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		cs := w.cache.stats()
		log.Printf("cache entries=%d hits=%d misses=%d evicted=%d dropped=%d refreshers=%d | fetch ok=%d timeout=%d err=%d | waves=%d partial=%d | shop reads=%d slow=%d | origin served=%d slow=%v",
			cs.entries, cs.hits, cs.misses, cs.evicted, cs.dropped, w.refreshers.Load(),
			w.fetchOK.Load(), w.fetchTimeouts.Load(), w.fetchErrs.Load(),
			s.waves.Load(), s.partial.Load(), shop.reads.Load(), shop.slow.Load(),
			o.served.Load(), o.slowPatch())
	}
}
