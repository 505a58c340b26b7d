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
	"time"
)

var topics = []string{"invoice.paid", "order.created", "order.shipped", "user.signup", "refund.issued", "subscription.renewed"}

var customers = []string{"northwind", "contoso", "fabrikam", "tailspin", "wingtip", "adatum", "litware", "proseware", "lucerne", "margie", "fourthcoffee", "alpine", "coho", "trey"}

// growEndpoints registers customer receivers over the run: a few at start,
// one more every so often.
func growEndpoints(ctx context.Context, reg *registry, farm *receiverFarm, initial, max int, every time.Duration) {
	add := func(i int) {
		name := customers[i%len(customers)]
		p := &receiverProfile{
			latencyLo:   time.Duration(15+rand.Intn(30)) * time.Millisecond,
			latencyHi:   time.Duration(80+rand.Intn(150)) * time.Millisecond,
			failPct:     3 + rand.Intn(6),
			throttlePct: 2 + rand.Intn(4),
		}
		if i%4 == 3 {
			// a legacy receiver behind a slow, overloaded proxy
			p.latencyLo, p.latencyHi, p.failPct = 200*time.Millisecond, 900*time.Millisecond, 15
		}
		n := 1 + rand.Intn(3)
		subs := make([]string, 0, n)
		for _, k := range rand.Perm(len(topics))[:n] {
			subs = append(subs, topics[k])
		}
		reg.add(newEndpoint(name, farm.register(name, p), subs))
	}
	for i := 0; i < initial; i++ {
		add(i)
	}
	for i := initial; i < max; i++ {
		select {
		case <-ctx.Done():
			return
		case <-after(every):
		}
		add(i)
	}
}

// producer is an upstream system posting events to the ingest API.
type producer struct {
	name   string
	api    string
	http   *http.Client
	every  time.Duration
	topics []string
}

func (p *producer) run(ctx context.Context) {
	nextBurst := time.Now().Add(time.Duration(20+rand.Intn(20)) * time.Second)
	for {
		gap := p.every/2 + time.Duration(rand.Int63n(int64(p.every)))
		select {
		case <-ctx.Done():
			return
		case <-after(gap):
		}
		n := 1
		if time.Now().After(nextBurst) {
			n = 6 + rand.Intn(8) // end-of-batch flush
			nextBurst = time.Now().Add(time.Duration(20+rand.Intn(20)) * time.Second)
		}
		for i := 0; i < n; i++ {
			id, err := p.publish(ctx)
			if err == nil && rand.Intn(10) == 0 {
				go p.confirm(ctx, id)
			}
		}
	}
}

func (p *producer) publish(ctx context.Context) (string, error) {
	topic := p.topics[rand.Intn(len(p.topics))]
	payload, _ := json.Marshal(map[string]interface{}{
		"source": p.name, "amount": rand.Intn(100000), "ref": fmt.Sprintf("%s-%d", p.name, rand.Int63()),
	})
	body, _ := json.Marshal(event{Topic: topic, Payload: payload})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.api+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusAccepted {
		io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("publish: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.ID, err
}

// confirm long-polls until the event has settled everywhere (or the
// poll times out), as a producer that needs read-your-writes would.
func (p *producer) confirm(ctx context.Context, id string) {
	u := fmt.Sprintf("%s/v1/events/wait?id=%s&timeout=90s", p.api, url.QueryEscape(id))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// growProducers brings upstream producers online over the run.
func growProducers(ctx context.Context, api string, initial, max int, every time.Duration) {
	hc := &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
	}
	start := func(i int) {
		n := 2 + rand.Intn(3)
		var ts []string
		for _, k := range rand.Perm(len(topics))[:n] {
			ts = append(ts, topics[k])
		}
		p := &producer{
			name:   fmt.Sprintf("upstream-%02d", i),
			api:    api,
			http:   hc,
			every:  time.Duration(800+rand.Intn(1200)) * time.Millisecond,
			topics: ts,
		}
		go p.run(ctx)
	}
	for i := 0; i < initial; i++ {
		start(i)
	}
	for i := initial; i < max; i++ {
		select {
		case <-ctx.Done():
			return
		case <-after(every):
		}
		start(i)
	}
}
