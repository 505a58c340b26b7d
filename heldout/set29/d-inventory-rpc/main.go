// d-inventory-rpc: client side of a sharded inventory service, talking
// net/rpc (gob over loopback TCP) to in-process replicas. Four shards, two
// replicas each; every replica has its own client pool that opens more
// connections as calls pile up on the existing ones (up to a cap) and
// reaps idle ones. Product reads are hedged: the primary gets the call, the
// secondary is asked too if the primary has not answered within a few ms,
// the first good answer wins and the other call is cancelled (results go to
// a buffered channel). Listing pages fan a batch read out per shard and
// gather with a WaitGroup. Checkouts reserve stock under a small commit
// semaphore with jittered retries on version conflicts; periodic limited
// drops start a few hundred checkouts at once that queue on the semaphore.
// "Notify me" subscriptions are long-held WaitRestock calls (20-90s,
// re-armed a few times) that build up to a cap; a restocker wakes them.
// Leak-free.
package main

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	const nShards = 4
	var skus []string
	for i := 1; i <= 600; i++ {
		skus = append(skus, fmt.Sprintf("sku-%04d", i))
	}
	c := &cluster{hedgeAfter: 12 * time.Millisecond, commits: make(chan struct{}, 4)}
	for i := 0; i < nShards; i++ {
		c.shards = append(c.shards, &shard{id: i})
	}
	owned := make([][]string, nShards)
	for _, s := range skus {
		sh := c.shardFor(s)
		owned[sh.id] = append(owned[sh.id], s)
	}
	for i, sh := range c.shards {
		data := newShardData(i, owned[i])
		go data.restocker(owned[i])
		for r, slow := range []int{3, 7} {
			name := fmt.Sprintf("inv-%d%c", i, 'a'+r)
			addr, _, err := serveReplica(data, name, slow)
			if err != nil {
				log.Fatalf("replica %s: %v", name, err)
			}
			rp := newReplicaPool(name, addr)
			go rp.reaper(2 * time.Second)
			sh.replicas = append(sh.replicas, rp)
		}
	}
	go c.health(3*time.Second, func(name string, err error) {
		log.Printf("health: %s: %v", name, err)
	})

	s := &shoppers{c: c, skus: skus, maxWatchers: 120}
	for i := 0; i < 12; i++ {
		s.hot = append(s.hot, skus[rand13(i)])
	}
	for i := 0; i < 3; i++ {
		go s.browse(20)
	}
	go s.list(4)
	go s.orderFlow(3)
	go s.drops()
	go s.subscriptions()

	go func() {
		for range time.Tick(10 * time.Second) {
			var b strings.Builder
			for _, sh := range c.shards {
				for _, rp := range sh.replicas {
					n, inflight := rp.size()
					fmt.Fprintf(&b, " %s=%d/%d", rp.name, n, inflight)
				}
			}
			log.Printf("inv: hedges=%d wins=%d reserves=%d conflicts=%d gaveUp=%d orders=%d failed=%d watching=%d notified=%d listings=%d partial=%d conns:%s goroutines=%d",
				atomic.LoadInt64(&c.hedges), atomic.LoadInt64(&c.hedgeWins), atomic.LoadInt64(&c.reserves),
				atomic.LoadInt64(&c.conflicts), atomic.LoadInt64(&c.gaveUp),
				atomic.LoadInt64(&s.orders), atomic.LoadInt64(&s.failedOrders),
				atomic.LoadInt64(&s.watching), atomic.LoadInt64(&s.notified),
				atomic.LoadInt64(&s.listings), atomic.LoadInt64(&s.partial),
				b.String(), runtime.NumGoroutine())
		}
	}()

	select {}
}

func rand13(i int) int { return (i*97 + 13) % 600 }
