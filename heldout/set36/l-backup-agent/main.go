// Command l-backup-agent is a multi-tenant backup agent. It backs up each
// enrolled tenant's volumes to an object store on a schedule (parallel
// volume uploaders under a renewed repository lease), watches the store
// for off-site replication with long polls, and serves restore requests.
package main

import (
	"context"
	"log"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	store, err := startObjectStore(ctx)
	if err != nil {
		log.Fatalf("object store: %v", err)
	}
	agent := newAgent(ctx, newStoreClient("http://"+store.addr))
	api, err := startAPI(ctx, agent)
	if err != nil {
		log.Fatalf("api: %v", err)
	}
	log.Printf("backup agent: api %s, store %s", api.url, store.addr)

	go onboarding(ctx, agent, 4, 24, 5*time.Second)
	go newRestoreLoad(api.url, agent).run(ctx)
	go agent.reportLoop(ctx, 20*time.Second, store)

	<-ctx.Done()
}
