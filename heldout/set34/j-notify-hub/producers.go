package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// publisher plays the services that emit notifications: inbox messages for
// users, order events for tenants (which feed the webhooks) and ops alerts.
// Its rate ramps from about 3/s to about 8/s over two minutes, with a
// marketing campaign of 25 inbox messages every 30 s.
type publisher struct {
	base  string
	hc    *http.Client
	start time.Time
	jobs  chan publishRequest

	mu  sync.Mutex
	rnd *rand.Rand

	sent, errors atomic.Int64
}

func newPublisher(base string, tr http.RoundTripper) *publisher {
	return &publisher{
		base:  base,
		hc:    &http.Client{Transport: tr, Timeout: 5 * time.Second},
		start: time.Now(),
		jobs:  make(chan publishRequest, 64),
		rnd:   rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x9b1)),
	}
}

func (p *publisher) intn(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rnd.Intn(n)
}

func (p *publisher) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.worker(ctx)
		}()
	}
	go p.campaigns(ctx)

	for {
		ramp := time.Since(p.start).Seconds() / 120
		if ramp > 1 {
			ramp = 1
		}
		rate := 3 + 5*ramp // events per second
		gap := time.Duration(float64(time.Second) / rate * (0.5 + float64(p.intn(1000))/1000))
		if !sleepCtx(ctx, gap) {
			break
		}
		var req publishRequest
		switch n := p.intn(100); {
		case n < 45:
			req = publishRequest{Topic: fmt.Sprintf("user/%d", 1+p.intn(1000)), Kind: "message", Body: "you have a new message"}
		case n < 85:
			kinds := []string{"order.created", "order.paid", "order.shipped", "order.refunded"}
			req = publishRequest{Topic: fmt.Sprintf("orders/t%d", 1+p.intn(10)), Kind: kinds[p.intn(len(kinds))], Body: fmt.Sprintf(`{"order":%d}`, 10000+p.intn(90000))}
		default:
			req = publishRequest{Topic: "ops/alerts", Kind: "alert", Body: "disk usage above threshold"}
		}
		p.enqueue(ctx, req)
	}
	wg.Wait()
}

func (p *publisher) campaigns(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
		for i := 0; i < 25; i++ {
			p.enqueue(ctx, publishRequest{Topic: fmt.Sprintf("user/%d", 1+p.intn(1000)), Kind: "promo", Body: "spring sale"})
		}
	}
}

func (p *publisher) enqueue(ctx context.Context, req publishRequest) {
	select {
	case p.jobs <- req:
	case <-ctx.Done():
	}
}

func (p *publisher) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-p.jobs:
			if err := p.publish(ctx, req); err != nil {
				p.errors.Add(1)
			} else {
				p.sent.Add(1)
			}
		}
	}
}

func (p *publisher) publish(ctx context.Context, req publishRequest) error {
	body, _ := json.Marshal(req)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/v1/publish", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(r)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("publish: %s", resp.Status)
	}
	return nil
}

// hookOperator plays the tenants' admins: it registers a webhook every
// 4-6 s (up to 32) and removes a random one every 25-40 s.
type hookOperator struct {
	base, partnerURL string
	farm             *partnerFarm
	hc               *http.Client

	mu    sync.Mutex
	rnd   *rand.Rand
	ids   []string
	count int

	changes atomic.Int64
}

func newHookOperator(base, partnerURL string, farm *partnerFarm, tr http.RoundTripper) *hookOperator {
	return &hookOperator{
		base:       base,
		partnerURL: partnerURL,
		farm:       farm,
		hc:         &http.Client{Transport: tr, Timeout: 5 * time.Second},
		rnd:        rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x40c)),
	}
}

func (o *hookOperator) run(ctx context.Context) {
	for i := 0; i < 4; i++ {
		o.register(ctx)
	}
	addEvery := func() time.Duration { return o.farm.between(4*time.Second, 6*time.Second) }
	dropEvery := func() time.Duration { return o.farm.between(25*time.Second, 40*time.Second) }
	add, drop := time.NewTimer(addEvery()), time.NewTimer(dropEvery())
	defer add.Stop()
	defer drop.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-add.C:
			if o.size() < 32 {
				o.register(ctx)
			}
			add.Reset(addEvery())
		case <-drop.C:
			o.unregister(ctx)
			drop.Reset(dropEvery())
		}
	}
}

func (o *hookOperator) size() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ids)
}

func (o *hookOperator) pickProfile() profile {
	o.mu.Lock()
	n := o.rnd.Intn(100)
	o.mu.Unlock()
	switch {
	case n < 40:
		return healthy
	case n < 60:
		return slow
	case n < 75:
		return flaky
	case n < 88:
		return maintenance
	default:
		return broken
	}
}

func (o *hookOperator) register(ctx context.Context) {
	o.mu.Lock()
	o.count++
	name := fmt.Sprintf("partner-%02d", o.count)
	tenant := 1 + o.rnd.Intn(10)
	o.mu.Unlock()
	o.farm.register(name, o.pickProfile())

	v := url.Values{"prefix": {fmt.Sprintf("orders/t%d", tenant)}, "url": {o.partnerURL + "/hook/" + name}}
	var out struct {
		ID string `json:"id"`
	}
	if err := o.call(ctx, http.MethodPost, v, &out); err != nil || out.ID == "" {
		return
	}
	o.mu.Lock()
	o.ids = append(o.ids, out.ID)
	o.mu.Unlock()
	o.changes.Add(1)
}

func (o *hookOperator) unregister(ctx context.Context) {
	o.mu.Lock()
	if len(o.ids) == 0 {
		o.mu.Unlock()
		return
	}
	i := o.rnd.Intn(len(o.ids))
	id := o.ids[i]
	o.ids = append(o.ids[:i], o.ids[i+1:]...)
	o.mu.Unlock()
	if o.call(ctx, http.MethodDelete, url.Values{"id": {id}}, nil) == nil {
		o.changes.Add(1)
	}
}

func (o *hookOperator) call(ctx context.Context, method string, v url.Values, out interface{}) error {
	req, err := http.NewRequestWithContext(ctx, method, o.base+"/v1/hooks?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := o.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s hooks: %s", method, resp.Status)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}
