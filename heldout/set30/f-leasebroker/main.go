// Command leasebroker keeps client sessions alive on leases, like the
// session layer of a coordination service: clients open a session, renew
// its lease with keepalives, and either close it or let it lapse.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	audit := newAuditLog(1024)
	go audit.run(ctx)

	b := NewBroker(BrokerConfig{
		LeaseTTL:       3 * time.Second,
		Heartbeat:      time.Second,
		InboxSize:      8,
		TombstoneKeep:  10 * time.Second,
		CompactEvery:   5 * time.Second,
		BroadcastEvery: 3 * time.Second,
	}, audit)
	go b.Maintain(ctx)

	sim := newClientSim(b)
	go sim.run(ctx)

	go report(ctx, b, sim, audit, 5*time.Second)

	<-ctx.Done()
}

func report(ctx context.Context, b *Broker, sim *clientSim, a *auditLog, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := b.Stats()
			log.Printf("sessions live=%d opened=%d expired=%d closed=%d tombstones=%d epoch=%d clients=%d audit=%d",
				st.Live, st.Opened, st.Expired, st.Closed, st.Tombstones, st.Epoch, sim.active(), a.count())
		}
	}
}
