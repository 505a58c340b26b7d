// Command l-build-farm runs a small CI system in one process: a
// coordinator that queues build tasks and hands them to agents over
// loopback HTTP long polls, a fleet of build agents (some of them spot
// machines that get reclaimed), the build pipelines that fan each commit's
// test matrix out over the agents, and a stream of developer pushes and
// merge trains, some of them followed with `ci watch`.
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

	coord := newCoordinator()
	go coord.janitor(ctx.Done())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: coord.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("coordinator listening on %s", ln.Addr())

	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     60 * time.Second,
	}}

	p := &pool{ac: &agentClient{base: base, hc: hc}, agents: make(map[string]*agent)}
	go p.grow(ctx)

	f := &farm{coord: coord, base: base, hc: hc, outcome: make(map[string]int)}
	cs := &commitStream{farm: f, watch: &watchClient{base: base, hc: hc}, started: time.Now()}
	go cs.run(ctx)
	go cs.mergeTrains(ctx)

	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for range tk.C {
		log.Printf("stats: agents=%d reclaimed=%d running=%d queued=%d | tasks submitted=%d granted=%d completed=%d cancelled=%d lost=%d | polls empty=%d beats=%d watch=%d following=%d | artifacts=%d rejected=%d | pushes=%d trains=%d outcomes=%v",
			p.size(), p.reclaimed.Load(), f.running.Load(), len(coord.queue),
			coord.submitted.Load(), coord.granted.Load(), coord.completed.Load(), coord.cancelled.Load(), coord.lost.Load(),
			coord.emptyPolls.Load(), coord.beats.Load(), coord.watchPolls.Load(), cs.watch.following.Load(),
			coord.artifacts.Load(), coord.artifactRejects.Load(), cs.pushes.Load(), cs.trains.Load(), f.tally())
	}
}
