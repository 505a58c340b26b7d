// d-webhook-scheduler: outbound webhook delivery with scheduled sends.
// Domain events become deliveries that are parked until due, each on its own
// timer goroutine so it can be cancelled or snoozed individually (most are
// due immediately, reminders seconds to minutes out, "trial ending" notices
// up to five minutes out). Due deliveries go to an elastic dispatcher pool
// (2-24 workers, grows on backlog, extra workers retire when idle) that
// holds a heartbeat-renewed lease per delivery and POSTs a signed payload to
// the customer's endpoint (loopback HTTP) under a context.WithTimeout.
// Failures are parked again with exponential backoff and jitter; a per
// endpoint circuit breaker parks deliveries during endpoint outages; after
// six attempts they go to a dead-letter list that a redrive loop replays once
// the endpoint is healthy. Campaign blasts schedule a few hundred deliveries
// at once and a digest fans out to all endpoints every few seconds.
// Leak-free: the parked population is large and grows for minutes before
// due times catch up, but every parked goroutine fires or is cancelled.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	ctx := context.Background()

	specs := []struct {
		name    string
		latency time.Duration
		errPct  int
		outage  time.Duration
	}{
		{"shopify-app", 20 * time.Millisecond, 2, 70 * time.Second},
		{"crm-sync", 60 * time.Millisecond, 5, 50 * time.Second},
		{"slack-bridge", 15 * time.Millisecond, 1, 120 * time.Second},
		{"erp-legacy", 180 * time.Millisecond, 12, 40 * time.Second},
		{"analytics", 40 * time.Millisecond, 3, 90 * time.Second},
	}
	var eps []*endpoint
	var names []string
	for _, sp := range specs {
		ep, err := startEndpoint(sp.name, sp.latency, sp.errPct)
		if err != nil {
			log.Fatalf("endpoint %s: %v", sp.name, err)
		}
		go ep.outages(sp.outage)
		eps = append(eps, ep)
		names = append(names, sp.name)
	}

	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 4,
		MaxConnsPerHost:     8,
		IdleConnTimeout:     15 * time.Second,
	}}
	s := newScheduler(ctx, hc, eps)
	s.startWorkers()
	go s.redrive(15*time.Second, 100)

	p := &producers{s: s, targets: names}
	go p.source(3, eventTypes)
	go p.source(2, []string{"order.shipped", "order.shipped", "invoice.paid", "user.signup"})
	go p.source(1, []string{"invoice.overdue", "report.ready", "trial.ending"})
	go p.source(0.4, []string{"subscription.renewing", "trial.ending"})
	go p.users()
	go p.campaigns()
	go p.digests(5 * time.Second)

	go func() {
		for range time.Tick(10 * time.Second) {
			var open []string
			for _, n := range names {
				if s.targets[n].breaker.State() != stateClosed {
					open = append(open, n)
				}
			}
			s.dlqMu.Lock()
			dlq := len(s.dlq)
			s.dlqMu.Unlock()
			log.Printf("webhooks: scheduled=%d parked=%d cancelled=%d delivered=%d retries=%d dead=%d dlq=%d workers=%d ready=%d leases=%d open=%v goroutines=%d",
				atomic.LoadInt64(&s.scheduled), s.parked(), atomic.LoadInt64(&s.cancelled),
				atomic.LoadInt64(&s.delivered), atomic.LoadInt64(&s.retries), atomic.LoadInt64(&s.dead), dlq,
				atomic.LoadInt32(&s.workers), len(s.ready), s.leases.size(), open, runtime.NumGoroutine())
		}
	}()

	select {}
}
