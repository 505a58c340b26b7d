// Command h-session-hub is a small chat hub speaking a line protocol over
// raw TCP. Every connection gets a session with a reader goroutine and a
// writer goroutine; rooms have a broadcaster that fans chat lines out to
// their members. A simulated client fleet connects over the run: chatty
// clients talk in rooms, lurkers stay connected without saying anything,
// and some clients hang up after a while.
package main

import (
	"context"
	"log"
	"net"
	"time"

	"example.com/heldout/internal/snapkit"
)

var roomNames = []string{"general", "ops", "random", "deploys", "support", "oncall"}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	hub := NewHub(roomNames)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &Server{
		hub:         hub,
		idleTimeout: 15 * time.Minute,
		queueDepth:  64,
	}
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			log.Printf("serve: %v", err)
		}
	}()
	log.Printf("session hub listening on %s", ln.Addr())

	fleet := newFleet(ln.Addr().String(), roomNames)
	go fleet.run(ctx)

	go reportStats(ctx, hub, fleet, 10*time.Second)

	<-ctx.Done()
}

func reportStats(ctx context.Context, hub *Hub, f *fleet, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := hub.Stats()
			c := f.counts()
			log.Printf("stats: sessions=%d delivered=%d dropped=%d kicked=%d clients=%d (chatty=%d lurkers=%d) joined=%d left=%d",
				st.Sessions, st.Delivered, st.Dropped, st.Kicked, c.active, c.chatty, c.lurkers, c.joined, c.left)
		}
	}
}
