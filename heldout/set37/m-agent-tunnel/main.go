// Command m-agent-tunnel is the control-plane end of a fleet of remote
// agents. Agents dial in over TCP, say HELLO, and then keep a tunnel open:
// they stream events up, and the control plane pushes commands down and
// waits for their results. A reaper kicks agents that went silent; a
// pinger keeps quiet tunnels alive. An admin HTTP endpoint exposes the
// roster and is scraped by a dashboard.
package main

import (
	"context"
	"log"
	"net"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := newTunnelServer(tunnelConfig{
		handshakeTimeout: 5 * time.Second,
		readTimeout:      2 * time.Minute,
		idleKick:         18 * time.Second,
		pingEvery:        4 * time.Second,
		outboxDepth:      32,
	})
	go srv.Serve(ctx, ln)
	go srv.reaper(ctx, 2*time.Second)
	go srv.pinger(ctx)
	log.Printf("tunnel listening on %s", ln.Addr())

	disp := newDispatcher(srv, 4)
	disp.start(ctx)
	go disp.scaleWithFleet(ctx)

	admin, err := startAdmin(srv, disp)
	if err != nil {
		log.Fatalf("admin: %v", err)
	}
	go dashboard(ctx, admin, 2*time.Second)

	fl := newFleet(ln.Addr().String())
	go fl.run(ctx)

	<-ctx.Done()
}
