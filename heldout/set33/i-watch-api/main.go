// Command i-watch-api is a small configuration service: a revisioned
// key/value store served over HTTP whose clients hold long-poll watch
// requests open, answered as soon as the watched key changes or with a
// 204 when the requested wait (up to 3 minutes) runs out. In the same
// process run its clients: a growing fleet of sidecars, flag watchers and
// rollout followers, an operator that writes flags, configs and deploy
// targets, and dashboard read traffic.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	services := []string{"billing", "checkout", "search", "catalog", "inventory", "ledger", "notify", "auth"}
	flags := []string{"new-cart", "dark-mode", "fast-search", "beta-pricing", "async-ledger", "edge-cache"}

	store := newKVStore()
	for i, svc := range services {
		store.Put("services/"+svc+"/config", fmt.Sprintf("pool_size=16\ntimeout_ms=%d\n", 300+50*i))
		store.Put("deploy/"+svc+"/target", "build-4100")
	}
	for _, fl := range flags {
		store.Put("flags/"+fl, "rollout=0%")
	}

	api := newWatchAPI(store)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           api.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("watch api on %s", base)

	tr := &http.Transport{
		MaxIdleConns:        200,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
	}
	fl := newFleet(base, services, tr)
	go fl.run(ctx)
	go newOperator(fl, flags, services).run(ctx)
	dash := newDashboardLoad(fl, 4)
	go dash.run(ctx)

	go reportStats(ctx, store, api, fl, dash)
	<-ctx.Done()
}

func reportStats(ctx context.Context, s *kvStore, a *watchAPI, f *fleet, d *dashboardLoad) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			ss, as := s.stats(), a.stats()
			log.Printf("stats: rev=%d keys=%d watchers=%d fired=%d cancelled=%d | api waiting=%d delivered=%d timeouts=%d gone=%d | fleet active=%d joined=%d left=%d changes=%d timeouts=%d retries=%d | dash=%d",
				ss.rev, ss.keys, ss.watchers, ss.fired, ss.cancelled,
				as.waiting, as.delivered, as.timeouts, as.gone,
				atomic.LoadInt64(&f.active), atomic.LoadInt64(&f.joined), atomic.LoadInt64(&f.left),
				atomic.LoadInt64(&f.changes), atomic.LoadInt64(&f.timeouts), atomic.LoadInt64(&f.retries), atomic.LoadInt64(&d.served))
		}
	}
}
