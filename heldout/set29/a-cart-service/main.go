// a-cart-service: a shopping-cart JSON API (net/http). Carts live in memory,
// one mutex per cart; a janitor evicts carts idle for 30s, a catalog daemon
// refreshes prices, and checkouts are handed to a small pool of fulfillment
// workers. Load comes from short-lived shopper sessions arriving all the
// time, a B2B bulk importer that pushes large order lists into account
// carts, "live cart" dashboard widgets polling the B2B accounts, and an ops
// poller that also pulls /debug/pprof/goroutine?debug=2 from the same mux.
//
// BUG: Store.AddItem returns errCartFull without unlocking the cart mutex it
// took in lockCart. From then on every request for that customer blocks
// forever in lockCart (the clients give up after 3s, the server handler
// goroutine stays). The cart is only released from the map once the janitor
// sees it idle, so each full B2B cart leaks a dozen or more handler
// goroutines; it happens every 10-30s, depending on the import jobs.
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)

	cat := newCatalog(400)
	store := newStore(cat, 30)
	go store.janitor(5*time.Second, 30*time.Second)
	go cat.refresher(15 * time.Second)
	for i := 0; i < 3; i++ {
		go store.fulfillment(i)
	}

	api := &API{store: store, catalog: cat}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           api.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()
	go api.reportStats(15 * time.Second)

	base := "http://" + ln.Addr().String()
	sim := newSim(base, cat.SKUs())
	go sim.shoppers()
	go sim.importer()
	for i := 1; i <= len(b2bAccounts); i++ {
		go sim.dashboard(b2bAccounts[i-1], 0)
		go sim.dashboard(b2bAccounts[i-1], 1)
	}
	go sim.ops()

	select {}
}
