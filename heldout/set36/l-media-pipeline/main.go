// Command l-media-pipeline is a video ingest and transcode service. Uploads
// posted to /v1/assets become transcode jobs: each job fans out one encoder
// per rung of its bitrate ladder, asks the thumbnailer pool for a poster
// frame, gathers the renditions into an HLS manifest and hands it to the
// CDN publisher. Clients poll /v1/jobs/{id} until the job is done.
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

	slots := newEncoderSlots(20)
	thumbs := newThumbnailer(3, 16)
	thumbs.Start(ctx)
	pub := newPublisher(64)
	go pub.run(ctx)

	pl := newPipeline(ctx, pipelineConfig{
		slots:     slots,
		thumbs:    thumbs,
		publisher: pub,
		jobBudget: 3 * time.Minute,
		keepDone:  45 * time.Second,
	})
	go pl.janitor(ctx, 5*time.Second)
	go pl.reportLoop(ctx, 10*time.Second)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           newAPI(pl).routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("api: %v", err)
		}
	}()
	log.Printf("media pipeline listening on %s", ln.Addr())

	up := newUploader("http://" + ln.Addr().String())
	go up.run(ctx)

	<-ctx.Done()
}
