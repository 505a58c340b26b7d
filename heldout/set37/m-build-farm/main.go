// Command m-build-farm schedules CI builds. Pushes arrive as webhooks on
// the HTTP API; every build is a job that fans out compile units, waits for
// all of them, then runs its test shards in parallel and gathers their
// results, and finally packages the artifacts. Build agents keep a TCP
// session with the coordinator to receive work notices and stream logs.
//
// The same process runs the code host that sends the webhooks (at a rate
// that grows through the run), the build agents (which come and go) and a
// dashboard that reads the status.
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

	co := newCoordinator()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("coordinator listen: %v", err)
	}
	go co.serve(ln)

	f := newFarm(ctx, co)
	go f.dispatch(ctx, 6)
	apiURL := listenHTTP("api", f.routes())

	go codeHost(ctx, apiURL)
	go agentPool(ctx, ln.Addr().String())
	go dashboard(ctx, apiURL)

	go func() {
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			st := f.stats()
			log.Printf("stats: queued=%d running=%d done=%d failed=%d units=%d shards=%d | agents=%d sessions=%d logs=%d",
				st.Queued, st.Running, st.Done, st.Failed, st.Units, st.Shards, co.count(), co.sessions.Load(), co.logLines.Load())
		}
	}()

	<-ctx.Done()
}

func listenHTTP(name string, h http.Handler) string {
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
	log.Printf("%s listening on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}
