// d-payment-router: routes card authorisations to a set of payment
// processors over a small line protocol on loopback TCP. Each processor has
// its own connection pool (grows with load up to a cap, idle conns reaped,
// conns recycled after a max lifetime), a circuit breaker, and an EWMA
// latency estimate fed by a health prober. Authorize runs every attempt under
// a context.WithTimeout, retries retryable failures with exponential backoff
// and full jitter, and fails over to the next processor whose breaker admits
// the call. Merchants generate a diurnal-ish load with flash-sale bursts; a
// settlement loop fans the authorised payments out per processor every few
// seconds and gathers with a WaitGroup. The processors themselves are in
// process: they accept up to a soft connection limit, go through brownouts,
// and answer BUSY in the greeting when they are shedding connections.
//
// BUG: connPool.dial starts abortOnClose so that closing the pool can
// interrupt a handshake in progress, and is supposed to call the returned
// stop func once the handshake is over. The BUSY-greeting branch returns
// without calling it; the watch context is derived from the pool's
// long-lived context, so the watcher goroutine waits on ctx.Done() forever.
// One goroutine leaks per rejected dial: a trickle from conn recycling plus
// clusters during processor brownouts and load peaks (~0.5-1/s).
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
	log.SetOutput(os.Stderr)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	ctx := context.Background()

	specs := []processorSpec{
		{name: "acq-east", baseLatency: 30 * time.Millisecond, jitter: 60 * time.Millisecond, softConns: 10, declineRate: 0.04, errRate: 0.01},
		{name: "acq-west", baseLatency: 45 * time.Millisecond, jitter: 80 * time.Millisecond, softConns: 8, declineRate: 0.05, errRate: 0.02},
		{name: "acq-intl", baseLatency: 70 * time.Millisecond, jitter: 120 * time.Millisecond, softConns: 6, declineRate: 0.08, errRate: 0.03},
	}

	var routes []*route
	for i, spec := range specs {
		p, err := startProcessor(spec)
		if err != nil {
			log.Fatalf("processor %s: %v", spec.name, err)
		}
		go p.brownouts(time.Duration(20+7*i) * time.Second)
		pool := newConnPool(ctx, spec.name, p.addr, poolConfig{
			maxConns:    12,
			idleTimeout: 4 * time.Second,
			maxLifetime: 9 * time.Second,
			dialTimeout: 300 * time.Millisecond,
		})
		go pool.reaper(time.Second)
		routes = append(routes, &route{
			name:    spec.name,
			pool:    pool,
			breaker: newBreaker(5, 1500*time.Millisecond),
			weight:  float64(len(specs) - i),
		})
	}

	router := newRouter(routes)
	go router.probe(ctx, 2*time.Second)
	go router.report(10 * time.Second)

	ledger := newLedger()
	go ledger.settleLoop(ctx, router, 5*time.Second)

	shop := newMerchantLoad(router, ledger, 64)
	for i := 0; i < 6; i++ {
		go shop.merchant(ctx, i)
	}
	go shop.flashSales(ctx)

	select {}
}
