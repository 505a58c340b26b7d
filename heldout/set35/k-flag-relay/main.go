// Command k-flag-relay is a feature-flag relay proxy. It follows the
// environments of a flag control plane (long-polling the busy ones,
// polling the rest on an interval) and streams their flags to the SDKs
// embedded in application pods over a line protocol on TCP, with a
// heartbeat per stream. Every 15 s it archives a snapshot of each
// environment. The control plane, its editors and the application pods
// all run in-process on loopback.
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

	cp := newControlPlane()
	go cp.editors(ctx)
	go cp.maintenance(ctx)
	cpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("control plane: %v", err)
	}
	cpSrv := &http.Server{Handler: cp.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go cpSrv.Serve(cpLn)

	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
	rl := newRelay("http://"+cpLn.Addr().String(), hc)
	go rl.roster(ctx)
	go rl.exportLoop(ctx)

	sdkLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("relay: %v", err)
	}
	go rl.acceptSDK(sdkLn)
	log.Printf("control plane on %s, relay SDK stream on %s", cpLn.Addr(), sdkLn.Addr())

	fl := &sdkFleet{relayAddr: sdkLn.Addr().String(), relay: rl}
	go fl.run(ctx)

	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for range tk.C {
		log.Printf("stats: envs=%d syncs=%d updates=%d sync_errors=%d exports=%d export_failures=%d | sessions=%d total=%d pongs=%d evals=%d | pods live=%d started=%d reconnects=%d flag_updates=%d | cp polls=%d watches=%d not_modified=%d edits=%d refused=%d archived=%d",
			len(rl.envNames()), rl.syncs.Load(), rl.updates.Load(), rl.syncErrors.Load(), rl.exports.Load(), rl.exportFailures.Load(),
			rl.sessions.Load(), rl.sessionsTotal.Load(), rl.pongs.Load(), rl.evals.Load(),
			fl.live.Load(), fl.started.Load(), fl.reconnects.Load(), fl.updates.Load(),
			cp.polls.Load(), cp.watches.Load(), cp.notModified.Load(), cp.edits.Load(), cp.refused.Load(), cp.archived.Load())
	}
}
