// Command i-rpc-mux is a key/value API whose HTTP front end talks to the
// storage server over a single multiplexed RPC connection: every request
// is a call with an id, a read loop routes replies back to the callers,
// and each call waits for its reply with a timeout. Background shard
// syncers, a heartbeat and a counter flusher share the same connection.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

const numShards = 16

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	store := newKVStore(numShards)
	go store.compactor(ctx)
	rs := &rpcServer{handlers: store.handlers(), idleTimeout: 5 * time.Minute}
	rpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("rpc listen: %v", err)
	}
	go rs.serve(ctx, rpcLn)

	rpc, err := Dial(rpcLn.Addr().String(), 1500*time.Millisecond)
	if err != nil {
		log.Fatalf("dial: %v", err)
	}
	defer rpc.Close()

	go heartbeat(ctx, rpc)
	counters := &counterFlusher{rpc: rpc, counts: make(map[string]int64)}
	go counters.run(ctx)
	go statsLoop(ctx, rpc)
	go syncFleet(ctx, rpc, 4, numShards)

	front := &api{rpc: rpc}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: front.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("http: %v", err)
		}
	}()
	log.Printf("api on %s, rpc on %s", ln.Addr(), rpcLn.Addr())

	lg := &loadGen{
		base: "http://" + ln.Addr().String(),
		client: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start:    time.Now(),
		counters: counters,
	}
	go lg.run(ctx)

	<-ctx.Done()
}
