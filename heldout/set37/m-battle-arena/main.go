// Command m-battle-arena is a small real-time game server. Players hold a
// TCP connection speaking a line protocol (HELLO, MOVE, PONG, BYE); the
// server puts them in arenas whose tick loop broadcasts the state to every
// player ten times a second. A matchmaking HTTP endpoint tells clients
// which arena to join, and an admin endpoint reports the server's state.
//
// The same process runs a fleet of bots that arrive at a growing rate,
// play for a while and leave (some stay for the whole match season).
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

	srv := newGameServer(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go srv.serve(ln)

	mm := &matchmaker{srv: srv}
	apiURL := listenHTTP("api", mm.routes())

	fl := newBotFleet(ln.Addr().String(), apiURL)
	go fl.run(ctx)
	go scrapeAdmin(ctx, apiURL)

	go func() {
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				st := srv.stats()
				log.Printf("stats: players=%d arenas=%d joined=%d left=%d timeouts=%d | bots=%d started=%d finished=%d",
					st.Players, st.Arenas, st.Joined, st.Left, st.Timeouts, fl.active.Load(), fl.started.Load(), fl.finished.Load())
			}
		}
	}()

	<-ctx.Done()
}

func listenHTTP(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		if err := s.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	return "http://" + ln.Addr().String()
}
