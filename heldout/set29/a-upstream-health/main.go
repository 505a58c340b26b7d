// a-upstream-health: a small load balancer with an active health checker.
// A fleet of in-process HTTP upstreams grows from a handful to a few dozen
// over the first couple of minutes (a rollout), with the occasional
// redeploy that retires one upstream and brings up a replacement, and a
// chaos loop that makes random upstreams unhealthy for a few seconds. The
// checker runs one probe loop per registered upstream (with a periodic deep
// check that fans out a few probes in parallel) over a shared keep-alive
// transport; the front end is an httputil.ReverseProxy that round-robins
// over healthy upstreams, next to /status and net/http/pprof. Clients hit it
// with a steady worker pool plus bursts of short-lived callers.
//
// No leak: probe loops stop when their upstream is deregistered and the
// retired upstream's connections are closed by its server shutdown.
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)

	checker := newChecker(time.Second, 700*time.Millisecond)
	lb := newBalancer(checker)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	front := &http.Server{
		Handler:           lb.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := front.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("front: %v", err)
		}
	}()

	fl := &fleet{checker: checker, members: make(map[string]*upstream)}
	go fl.rollout(3, 36)
	go fl.redeploys()
	go fl.chaos()
	go checker.report(15 * time.Second)

	base := "http://" + ln.Addr().String()
	cl := newClients(base)
	for i := 0; i < 6; i++ {
		go cl.worker(i)
	}
	go cl.bursts()
	go cl.ops()

	select {}
}
