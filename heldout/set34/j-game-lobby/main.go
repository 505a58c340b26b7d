// Command j-game-lobby is the matchmaking front of a small multiplayer
// game: players queue for a mode over HTTP and the request is held open
// until the matchmaker puts them into a match or their maximum queue time
// runs out; every match has a hard time limit after which it is closed
// and scored as it stands. The same process runs a simulated population of
// players that arrives at a ramping rate, plays, requeues and leaves.
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

	modes := defaultModes()
	mm := newMatchmaker(modes)
	go mm.loop(ctx)
	go mm.janitor(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	api := &lobbyAPI{mm: mm}
	srv := &http.Server{
		Handler:           api.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("lobby: serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("lobby listening on %s", base)

	pop := newPopulation(base, modes)
	go pop.run(ctx)
	go statsLoop(ctx, mm, pop)

	<-ctx.Done()
}

func statsLoop(ctx context.Context, mm *matchmaker, pop *population) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		s := mm.snapshot()
		log.Printf("lobby: queued=%v live=%d formed=%d expired=%d timeouts=%d | players online=%d joined=%d matched=%d gaveup=%d",
			s.queued, s.live, s.formed, s.expiredTickets, s.matchTimeouts,
			pop.online.Load(), pop.joined.Load(), pop.matched.Load(), pop.gaveUp.Load())
	}
}
