// Command i-presence is a presence/heartbeat server. Devices keep a TCP
// session open and send heartbeats; a session that goes quiet for longer
// than the idle timeout, or that reaches its maximum lifetime, is expired
// and the device has to reconnect. Other clients follow a user's presence
// through an HTTP long-poll (/v1/watch) that returns on the next change or
// when its wait runs out.
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

	reg := newRegistry()
	go reg.sweep(ctx, 5*time.Second, 45*time.Second)

	gw := &gateway{
		reg:         reg,
		helloWait:   5 * time.Second,
		idleTimeout: 90 * time.Second,
		minLifetime: 120 * time.Second,
		maxLifetime: 210 * time.Second,
		sessions:    make(map[uint64]*session),
	}
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen tcp: %v", err)
	}
	go gw.serve(tcpLn)

	api := &presenceAPI{reg: reg, gw: gw, defaultWait: 90 * time.Second, maxWait: 180 * time.Second}
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen http: %v", err)
	}
	hs := &http.Server{
		Handler:           api.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := hs.Serve(httpLn); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("presence gateway on %s, api on %s", tcpLn.Addr(), httpLn.Addr())

	f := newFleet(tcpLn.Addr().String(), "http://"+httpLn.Addr().String())
	go f.run(ctx)
	go reportStats(ctx, gw, reg, f, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, gw *gateway, reg *registry, f *fleet, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g := gw.stats()
			online, tracked := reg.counts()
			c := f.counts()
			log.Printf("stats: sessions=%d opened=%d idle-expired=%d lifetime-expired=%d dropped=%d logout=%d online=%d tracked=%d devices=%d watchers=%d",
				g.Open, g.Opened, g.Idle, g.Lifetime, g.Dropped, g.Logout, online, tracked, c.devices, c.watchers)
		}
	}
}
