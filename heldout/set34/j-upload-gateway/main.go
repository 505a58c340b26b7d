// Command j-upload-gateway is a resumable-upload front end. Clients create
// an upload session, then PUT the file chunk by chunk; a session's
// assembler waits for the next chunk up to an idle timeout (after which the
// session is parked and can be resumed), every session has an absolute
// expiry, and a finished upload is committed to an object store in the
// background. Clients can long-poll a session for state changes.
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

	objects, err := startObjectStore(ctx)
	if err != nil {
		log.Fatalf("object store: %v", err)
	}

	commits := newCommitter(objects.URL(), 64, 4*time.Second)
	store := newSessionStore(storeConfig{
		IdleTimeout:  75 * time.Second,
		MinLifetime:  90 * time.Second,
		MaxLifetime:  240 * time.Second,
		MaxChunkSize: 64 << 10,
	}, commits)
	commits.onDone = store.commitFinished
	for i := 0; i < 3; i++ {
		go commits.worker(ctx, i)
	}
	go store.janitor(ctx, 10*time.Second, 60*time.Second)

	api := &uploadAPI{store: store, overloadPct: 2}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           api.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("upload api: %v", err)
		}
	}()
	log.Printf("upload gateway on %s, object store on %s", ln.Addr(), objects.URL())

	f := newFleet("http://" + ln.Addr().String())
	go f.run(ctx)
	go reportStats(ctx, 10*time.Second, store, commits, f)

	<-ctx.Done()
}
