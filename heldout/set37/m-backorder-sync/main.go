// Command m-backorder-sync follows open backorders until they can be
// fulfilled. For every backorder it runs three pollers against the
// upstream services: stock levels from the legacy ERP, the supplier's
// price, and the inbound shipment's carrier tracking. The results are kept
// in an order book that the storefront reads through a small HTTP API.
//
// The same process runs the upstreams (pricing, carrier, ERP with its
// nightly export jobs), the order intake and the storefront readers.
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

	erp := newERP(24)
	go erp.runExports(ctx)
	up := &upstreams{
		erpURL:     listenHTTP("erp", erp.routes()),
		pricingURL: listenHTTP("pricing", pricingService()),
		carrierURL: listenHTTP("carrier", carrierService()),
	}

	book := newOrderBook()
	apiURL := listenHTTP("api", book.routes())

	s := newSyncer(ctx, up, book)
	go s.intake(ctx)
	go storefront(ctx, apiURL, book)

	go func() {
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			log.Printf("stats: orders=%d open=%d fulfilled=%d | polls stock=%d price=%d track=%d errors=%d inflight=%d | erp exports=%d failed=%d locked=%d",
				s.orders.Load(), book.open(), s.fulfilled.Load(), s.stockPolls.Load(), s.pricePolls.Load(), s.trackPolls.Load(),
				s.pollErrors.Load(), s.inflight.Load(), erp.exports.Load(), erp.failed.Load(), erp.lockedCount())
		}
	}()

	<-ctx.Done()
}

func listenHTTP(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	log.Printf("%s listening on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}
