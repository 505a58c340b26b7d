package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strings"
	"sync"
	"time"
)

type feedClass int

const (
	busyFeed feedClass = iota
	steadyFeed
	quietFeed
)

// classOf spreads the feeds: a quarter busy, a quarter steady, half quiet.
func classOf(i int) feedClass {
	switch i % 4 {
	case 0:
		return busyFeed
	case 1:
		return steadyFeed
	default:
		return quietFeed
	}
}

var feedNames = []string{
	"orders.eu", "orders.us", "inventory.dc1", "inventory.dc2", "prices.fx", "prices.rates",
	"deploys.prod", "deploys.staging", "alerts.pager", "billing.invoices", "billing.refunds",
	"users.signups", "users.deletions", "catalog.changes", "search.reindex", "support.tickets",
	"fleet.heartbeats", "fleet.firmware", "audit.admin", "audit.keys", "shipping.labels",
	"shipping.tracking", "reports.daily", "ml.models",
}

// feed is an upstream system publishing to one topic.
type feed struct {
	topic  string
	class  feedClass
	base   string
	client *http.Client
	seq    int
}

func (f *feed) gap() time.Duration {
	switch f.class {
	case busyFeed:
		return randBetween(3*time.Second, 8*time.Second)
	case steadyFeed:
		return randBetween(15*time.Second, 45*time.Second)
	default:
		return randBetween(70*time.Second, 200*time.Second)
	}
}

func (f *feed) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(f.gap()):
		}
		f.seq++
		body := fmt.Sprintf(`{"source":%q,"n":%d,"ts":%d}`, f.topic, f.seq, time.Now().UnixNano())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/v1/publish?topic="+f.topic, strings.NewReader(body))
		if err != nil {
			continue
		}
		resp, err := f.client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}

// feedRoster brings feeds online over the run and tells sessions which
// topics exist.
type feedRoster struct {
	base   string
	client *http.Client

	mu     sync.RWMutex
	topics []string
}

func newFeedRoster(base string, client *http.Client) *feedRoster {
	return &feedRoster{base: base, client: client}
}

func (r *feedRoster) add(ctx context.Context, i int) {
	f := &feed{topic: feedNames[i], class: classOf(i), base: r.base, client: r.client}
	r.mu.Lock()
	r.topics = append(r.topics, f.topic)
	r.mu.Unlock()
	go f.run(ctx)
}

func (r *feedRoster) run(ctx context.Context) {
	next := 0
	for ; next < 6; next++ {
		r.add(ctx, next)
	}
	for next < len(feedNames) {
		select {
		case <-ctx.Done():
			return
		case <-after(6 * time.Second):
		}
		r.add(ctx, next)
		next++
	}
}

// pick returns k distinct topics.
func (r *feedRoster) pick(k int) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if k > len(r.topics) {
		k = len(r.topics)
	}
	out := make([]string, 0, k)
	seen := map[int]bool{}
	for len(out) < k {
		i := randIntn(len(r.topics))
		if !seen[i] {
			seen[i] = true
			out = append(out, r.topics[i])
		}
	}
	return out
}
