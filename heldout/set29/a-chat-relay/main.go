// a-chat-relay: a TCP chat relay speaking a small line protocol (NICK, JOIN,
// PART, MSG, WHO, LIST, PING, QUIT). Each connection gets a reader goroutine
// and a writer goroutine fed by a bounded outbound queue; the server keeps a
// roster of connected clients and rooms with a short history, drops slow
// consumers, reaps idle connections through read deadlines and posts a
// periodic announcement. In-process bots join in bursts so the roster fills
// up toward the server's client limit over the first minute or two, then
// churns around it; now and then a flash crowd joins a launch room, chats
// for a few seconds and leaves.
//
// No leak: every connection's goroutines end when the peer quits, the
// connection idles out, or the server drops it.
package main

import (
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)

	srv, err := newServer("127.0.0.1:0", 120)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go srv.serve()
	go srv.announcer(20 * time.Second)
	go srv.reportStats(15 * time.Second)

	addr := srv.ln.Addr().String()
	pop := &population{addr: addr}
	go pop.arrivals()
	go pop.flashCrowds()
	go pop.admin()

	select {}
}
