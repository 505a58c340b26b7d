// Command l-quote-fanout runs an insurance quote comparison service in one
// process: simulated carriers' rating APIs, the aggregator that fans a
// request out to every carrier writing the line and gathers the prices,
// the broker desks that follow up on their customers (rate holds,
// underwriting referrals, call-backs), the renewal batches, and the public
// site with its shoppers and price-alert long polls.
package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func listen(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("%s: %v", name, err)
		}
	}()
	log.Printf("%s on %s", name, ln.Addr())
	return "http://" + ln.Addr().String()
}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()

	carriers := newCarrierNet()
	go carriers.maintenance(ctx.Done())
	carrierURL := listen("carriers", carriers.routes())

	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        400,
		MaxIdleConnsPerHost: 200,
		IdleConnTimeout:     60 * time.Second,
	}}
	agg := &aggregator{base: carrierURL, hc: hc}

	hub := newRateHub()
	go hub.filings(ctx.Done())
	fr := &front{agg: agg, hub: hub}
	siteURL := listen("site", fr.routes())

	book := newHoldBook()
	fl := &floor{agg: agg, book: book, open: make(map[string]*desk)}
	go fl.staff(ctx, started)

	rd := &renewalDesk{agg: agg}
	go rd.schedule(ctx, started)

	sh := &shoppers{base: siteURL, hc: hc, started: started}
	go sh.arrive(ctx)
	go sh.campaigns(ctx)

	report := newPacer(10*time.Second, 10*time.Second+time.Millisecond)
	for range report.C() {
		open, closing, gone := fl.counts()
		hOpen, placed, bound, lapsed := book.stats()
		log.Printf("stats: desks open=%d closing=%d closed=%d | holds open=%d placed=%d bound=%d lapsed=%d | renewals running=%d | quotes=%d calls=%d retries=%d no-answer=%d | carriers served=%d stalled=%d referred=%d outages=%d refpolls=%d | site pages=%d alerts=%d visits=%d failed=%d watching=%d",
			open, closing, gone, hOpen, placed, bound, lapsed, rd.running.Load(),
			agg.quotes.Load(), agg.calls.Load(), agg.retries.Load(), agg.noAnswer.Load(),
			carriers.served.Load(), carriers.stalled.Load(), carriers.referred.Load(), carriers.outages.Load(), carriers.refPolls.Load(),
			fr.pages.Load(), fr.alerts.Load(), sh.visits.Load(), sh.failed.Load(), sh.watching.Load())
		report.Next()
	}
}
