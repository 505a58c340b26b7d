package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var errUnavailable = errors.New("carrier unavailable")

type quoteRequest struct {
	ID   string `json:"id"`
	Line string `json:"line"`
	Risk int    `json:"risk"`
}

type offer struct {
	Carrier string        `json:"carrier"`
	Status  string        `json:"status"` // quoted, referred, declined, no-answer
	Premium float64       `json:"premium,omitempty"`
	Ref     string        `json:"ref,omitempty"`
	Took    time.Duration `json:"took"`
}

type comparison struct {
	Req    quoteRequest `json:"request"`
	Offers []offer      `json:"offers"`
}

// best returns the cheapest quoted offer and the cheapest referred one.
func (c *comparison) best() (quoted, referred *offer) {
	for i := range c.Offers {
		o := &c.Offers[i]
		switch o.Status {
		case "quoted":
			if quoted == nil || o.Premium < quoted.Premium {
				quoted = o
			}
		case "referred":
			if referred == nil || o.Premium < referred.Premium {
				referred = o
			}
		}
	}
	return quoted, referred
}

// fanout runs a set of calls and waits for all of them, errgroup style,
// with an optional cap on how many run at once.
type fanout struct {
	wg    sync.WaitGroup
	slots chan struct{}

	mu    sync.Mutex
	first error
}

func newFanout(limit int) *fanout {
	f := &fanout{}
	if limit > 0 {
		f.slots = make(chan struct{}, limit)
	}
	return f
}

func (f *fanout) Go(fn func() error) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		if f.slots != nil {
			f.slots <- struct{}{}
			defer func() { <-f.slots }()
		}
		if err := fn(); err != nil {
			f.mu.Lock()
			if f.first == nil {
				f.first = err
			}
			f.mu.Unlock()
		}
	}()
}

func (f *fanout) Wait() error {
	f.wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// aggregator asks every carrier writing a line of business for a price.
type aggregator struct {
	base string
	hc   *http.Client

	quotes, calls, retries, noAnswer atomic.Int64
}

func (a *aggregator) carriersFor(line string) []string {
	var out []string
	for _, p := range carrierBook {
		for _, l := range p.lines {
			if l == line {
				out = append(out, p.name)
			}
		}
	}
	return out
}

// Quote asks every eligible carrier and waits for all of them; each call
// has its own timeout and retry budget, so the comparison is complete
// within a few seconds even when a carrier hangs.
func (a *aggregator) Quote(ctx context.Context, req quoteRequest) (*comparison, error) {
	a.quotes.Add(1)
	names := a.carriersFor(req.Line)
	cmp := &comparison{Req: req, Offers: make([]offer, len(names))}
	g := newFanout(4)
	for i, name := range names {
		i, name := i, name
		g.Go(func() error {
			o, err := a.ask(ctx, name, req)
			cmp.Offers[i] = o
			return err
		})
	}
	err := g.Wait()
	sort.Slice(cmp.Offers, func(i, j int) bool { return cmp.Offers[i].Carrier < cmp.Offers[j].Carrier })
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && !errors.Is(err, errUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
		return cmp, err
	}
	return cmp, nil
}

// ask calls one carrier: 3 s per attempt, up to two retries when the
// carrier says it is unavailable.
func (a *aggregator) ask(ctx context.Context, carrier string, req quoteRequest) (offer, error) {
	start := time.Now()
	rp := retryPolicy{first: 400 * time.Millisecond, cap: 2 * time.Second}
	for {
		o, err := a.rate(ctx, carrier, req)
		o.Took = time.Since(start)
		if err == nil {
			return o, nil
		}
		if !errors.Is(err, errUnavailable) || !rp.Wait(ctx, 2) {
			a.noAnswer.Add(1)
			return offer{Carrier: carrier, Status: "no-answer", Took: time.Since(start)}, err
		}
		a.retries.Add(1)
	}
}

func (a *aggregator) rate(ctx context.Context, carrier string, req quoteRequest) (offer, error) {
	a.calls.Add(1)
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	u := a.base + "/rate?" + url.Values{"carrier": {carrier}, "line": {req.Line}, "risk": {strconv.Itoa(req.Risk)}}.Encode()
	hreq, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return offer{}, err
	}
	resp, err := a.hc.Do(hreq)
	if err != nil {
		return offer{Carrier: carrier}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		io.Copy(io.Discard, resp.Body)
		return offer{Carrier: carrier}, errUnavailable
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return offer{Carrier: carrier}, fmt.Errorf("%s: %s", carrier, resp.Status)
	}
	var rep carrierReply
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return offer{Carrier: carrier}, err
	}
	return offer{Carrier: carrier, Status: rep.Status, Premium: rep.Premium, Ref: rep.Ref}, nil
}

// QuickQuote serves the public site: it shows whatever has come back when
// the page budget runs out. Late answers land in the buffered channel and
// are dropped with it; every call ends by its own timeout.
func (a *aggregator) QuickQuote(ctx context.Context, req quoteRequest, budget time.Duration) *comparison {
	a.quotes.Add(1)
	names := a.carriersFor(req.Line)
	answers := make(chan offer, len(names))
	for _, name := range names {
		go func(name string) {
			o, _ := a.ask(ctx, name, req)
			answers <- o
		}(name)
	}
	cmp := &comparison{Req: req}
	cutoff, release := window(budget)
	defer release()
	for len(cmp.Offers) < len(names) {
		select {
		case o := <-answers:
			cmp.Offers = append(cmp.Offers, o)
		case <-cutoff:
			return cmp
		case <-ctx.Done():
			return cmp
		}
	}
	return cmp
}

type decision struct {
	final   bool
	outcome string
	premium float64
}

// pollReferral long-polls the carrier for an underwriting decision.
func (a *aggregator) pollReferral(ctx context.Context, carrier, ref string, wait time.Duration) (decision, error) {
	pctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	u := a.base + "/referral?" + url.Values{"carrier": {carrier}, "ref": {ref}, "wait": {wait.String()}}.Encode()
	hreq, err := http.NewRequestWithContext(pctx, http.MethodGet, u, nil)
	if err != nil {
		return decision{}, err
	}
	resp, err := a.hc.Do(hreq)
	if err != nil {
		return decision{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent:
		return decision{}, nil
	case http.StatusNotFound:
		io.Copy(io.Discard, resp.Body)
		return decision{final: true, outcome: "archived"}, nil
	case http.StatusOK:
		var rep carrierReply
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			return decision{}, err
		}
		return decision{final: true, outcome: rep.Status, premium: rep.Premium}, nil
	default:
		io.Copy(io.Discard, resp.Body)
		return decision{}, fmt.Errorf("referral %s: %s", ref, resp.Status)
	}
}
