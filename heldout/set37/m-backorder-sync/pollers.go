package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

type upstreams struct {
	erpURL, pricingURL, carrierURL string
}

// getJSON does one GET and decodes the answer. Callers pass the client of
// the upstream they talk to (each has its own timeouts and pool).
func getJSON(ctx context.Context, c *http.Client, u string, out interface{}) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// syncer starts the pollers of every backorder.
type syncer struct {
	ctx  context.Context
	up   *upstreams
	book *orderBook

	erpClient     *http.Client
	pricingClient *http.Client
	carrierClient *http.Client

	orders, fulfilled                  atomic.Int64
	stockPolls, pricePolls, trackPolls atomic.Int64
	pollErrors, inflight               atomic.Int64
}

func newSyncer(ctx context.Context, up *upstreams, book *orderBook) *syncer {
	erpTransport := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 60 * time.Second}
	return &syncer{
		ctx:  ctx,
		up:   up,
		book: book,
		// The ERP's reads wait for its export locks, which can take a
		// while: no client timeout, the pollers just wait.
		erpClient:     &http.Client{Transport: erpTransport},
		pricingClient: &http.Client{Timeout: 2 * time.Second},
		carrierClient: &http.Client{Timeout: 4 * time.Second},
	}
}

// intake accepts new backorders at a rate that grows through the run.
func (s *syncer) intake(ctx context.Context) {
	start := time.Now()
	for n := 1; ; n++ {
		rate := 1.0 + time.Since(start).Seconds()/45 // 1/s → ~4/s
		wait := time.Duration(float64(time.Second) / rate * (0.5 + rand.Float64()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		o := &order{
			id:        fmt.Sprintf("BO-%05d", n),
			sku:       fmt.Sprintf("SKU-%04d", rand.Intn(3000)),
			warehouse: rand.Intn(96),
			shipment:  fmt.Sprintf("1Z%08d", rand.Intn(1e8)),
		}
		s.book.add(o)
		s.orders.Add(1)
		s.start(o)
	}
}

func (s *syncer) start(o *order) {
	rounds := 8 + rand.Intn(25)
	sp := &stockPoller{s: s, o: o, client: s.erpClient, every: time.Duration(1500+rand.Intn(2000)) * time.Millisecond, rounds: rounds}
	pp := &pricePoller{s: s, o: o, client: s.pricingClient, every: 4 * time.Second, rounds: rounds / 2}
	tp := &trackingPoller{s: s, o: o, client: s.carrierClient, every: 3 * time.Second, rounds: rounds}
	go sp.run(s.ctx)
	go pp.run(s.ctx)
	go tp.run(s.ctx)
}

// stockPoller watches the ERP until the item is back in stock or it has
// polled its rounds.
type stockPoller struct {
	s      *syncer
	o      *order
	client *http.Client
	every  time.Duration
	rounds int
}

func (p *stockPoller) run(ctx context.Context) {
	u := fmt.Sprintf("%s/stock?wh=%d&sku=%s", p.s.up.erpURL, p.o.warehouse, url.QueryEscape(p.o.sku))
	for i := 0; i < p.rounds; i++ {
		var res struct {
			Available int `json:"available"`
		}
		p.s.inflight.Add(1)
		err := getJSON(ctx, p.client, u, &res)
		p.s.inflight.Add(-1)
		p.s.stockPolls.Add(1)
		if err != nil {
			p.s.pollErrors.Add(1)
		} else {
			p.s.book.setStock(p.o.id, res.Available)
			if res.Available >= 3 {
				p.s.fulfilled.Add(1)
				p.s.book.close(p.o.id)
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.every):
		}
	}
	p.s.book.close(p.o.id)
}

type pricePoller struct {
	s      *syncer
	o      *order
	client *http.Client
	every  time.Duration
	rounds int
}

func (p *pricePoller) run(ctx context.Context) {
	u := fmt.Sprintf("%s/price?sku=%s", p.s.up.pricingURL, url.QueryEscape(p.o.sku))
	for i := 0; i < p.rounds; i++ {
		var res struct {
			Cents int `json:"cents"`
		}
		if err := getJSON(ctx, p.client, u, &res); err != nil {
			p.s.pollErrors.Add(1)
		} else {
			p.s.book.setPrice(p.o.id, res.Cents)
		}
		p.s.pricePolls.Add(1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.every):
		}
	}
}

type trackingPoller struct {
	s      *syncer
	o      *order
	client *http.Client
	every  time.Duration
	rounds int
}

func (p *trackingPoller) run(ctx context.Context) {
	u := fmt.Sprintf("%s/track?id=%s", p.s.up.carrierURL, url.QueryEscape(p.o.shipment))
	for i := 0; i < p.rounds; i++ {
		var res struct {
			State string `json:"state"`
		}
		err := getJSON(ctx, p.client, u, &res)
		p.s.trackPolls.Add(1)
		if err != nil {
			p.s.pollErrors.Add(1)
		} else {
			p.s.book.setTracking(p.o.id, res.State)
			if res.State == "delivered" {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.every):
		}
	}
}
