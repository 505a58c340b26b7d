// Command e-checkout-gateway is the storefront's checkout gateway: it
// serves product lookups by fanning out to catalog replicas and places
// stock reservations with the inventory service before confirming an
// order. All upstreams are reached over keep-alive HTTP on loopback.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetOutput(os.Stderr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cat := newCatalogFleet()
	for i := 0; i < 2; i++ {
		if err := cat.launch(); err != nil {
			log.Fatalf("catalog: %v", err)
		}
	}
	go cat.growLoop(ctx, 25*time.Second, 6)

	inv, err := startInventory()
	if err != nil {
		log.Fatalf("inventory: %v", err)
	}
	go inv.restockLoop(ctx, 2*time.Second)

	gw := &gateway{
		catalog:   newCatalogClient(cat),
		inventory: newInventoryClient("http://" + inv.addr),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler:           gw.routes(),
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       8 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("gateway: %v", err)
		}
	}()

	shoppers := newShoppers("http://"+ln.Addr().String(), time.Now())
	go shoppers.browse(ctx)
	go shoppers.checkout(ctx)

	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for range t.C {
		log.Printf("stats: catalog=%d views=%d orders=%d out_of_stock=%d errors=%d",
			cat.size(), gw.views.Load(), gw.orders.Load(), gw.outOfStock.Load(), gw.errors.Load())
	}
}
