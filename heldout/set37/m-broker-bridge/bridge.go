package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bridge owns the subscriptions; each subscription has a supervisor
// goroutine that keeps one link up, redialling with back-off when the link
// drops.
type bridge struct {
	ctx     context.Context
	addr    string
	sinkURL string
	client  *http.Client

	deliver chan message

	mu     sync.Mutex
	subs   map[string]*subscription
	nextID int

	dials, drops, forwarded, fwdErrors atomic.Int64
	ackErrors                          atomic.Int64
}

type subscription struct {
	id     string
	topic  string
	group  string
	cancel context.CancelFunc

	mu   sync.Mutex
	cur  *link
	gen  int
	up   bool
	last time.Time
}

func newBridge(ctx context.Context, addr, sinkURL string) *bridge {
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 60 * time.Second}
	return &bridge{
		ctx:     ctx,
		addr:    addr,
		sinkURL: sinkURL,
		client:  &http.Client{Transport: tr, Timeout: 5 * time.Second},
		deliver: make(chan message, 512),
		subs:    make(map[string]*subscription),
	}
}

func (br *bridge) subscribe(topic, group string) string {
	ctx, cancel := context.WithCancel(br.ctx)
	br.mu.Lock()
	br.nextID++
	s := &subscription{id: fmt.Sprintf("sub-%03d", br.nextID), topic: topic, group: group, cancel: cancel}
	br.subs[s.id] = s
	br.mu.Unlock()
	go br.supervise(ctx, s)
	return s.id
}

func (br *bridge) unsubscribe(id string) bool {
	br.mu.Lock()
	s := br.subs[id]
	delete(br.subs, id)
	br.mu.Unlock()
	if s == nil {
		return false
	}
	s.cancel()
	return true
}

// supervise keeps the subscription's link up until the subscription is
// retired.
func (br *bridge) supervise(ctx context.Context, s *subscription) {
	backoff := 200 * time.Millisecond
	for {
		br.dials.Add(1)
		s.mu.Lock()
		s.gen++
		id := fmt.Sprintf("%s/%d", s.id, s.gen)
		s.mu.Unlock()
		l, err := dialLink(id, linkConfig{
			addr:          br.addr,
			topic:         s.topic,
			group:         s.group,
			ackInterval:   500 * time.Millisecond,
			pingInterval:  5 * time.Second,
			readIdle:      20 * time.Second,
			ackErrCounter: &br.ackErrors,
		}, br.deliver)
		if err != nil {
			log.Printf("%s: dial: %v (retry in %v)", s.id, err, backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if backoff *= 2; backoff > 10*time.Second {
				backoff = 10 * time.Second
			}
			continue
		}
		backoff = 200 * time.Millisecond
		s.mu.Lock()
		s.cur, s.up, s.last = l, true, time.Now()
		s.mu.Unlock()

		select {
		case <-ctx.Done():
			l.Close()
			s.mu.Lock()
			s.up = false
			s.mu.Unlock()
			return
		case <-l.done:
			br.drops.Add(1)
			s.mu.Lock()
			s.up = false
			s.mu.Unlock()
			// The broker dropped us (rebalance or restart): dial again
			// after a short pause so a restarting node can come back.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(100+rand.Intn(400)) * time.Millisecond):
			}
		}
	}
}

// startForwarders starts the pool that posts messages downstream and acks
// them on their link.
func (br *bridge) startForwarders(n int) {
	for i := 0; i < n; i++ {
		go br.forwarder(i)
	}
}

func (br *bridge) forwarder(i int) {
	for {
		select {
		case <-br.ctx.Done():
			return
		case m := <-br.deliver:
			if err := br.forward(m); err != nil {
				br.fwdErrors.Add(1)
				continue
			}
			br.forwarded.Add(1)
			m.link.ack(m.offset)
		}
	}
}

func (br *bridge) forward(m message) error {
	body := fmt.Sprintf(`{"topic":%q,"offset":%d,"data":%q}`, m.topic, m.offset, m.payload)
	req, err := http.NewRequest(http.MethodPost, br.sinkURL+"/ingest", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := br.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("ingest: %s", resp.Status)
	}
	return nil
}

type bridgeStats struct {
	Subs, Links                                   int
	Dials, Drops, Forwarded, FwdErrors, AckErrors int64
}

func (br *bridge) stats() bridgeStats {
	br.mu.Lock()
	st := bridgeStats{Subs: len(br.subs)}
	for _, s := range br.subs {
		s.mu.Lock()
		if s.up {
			st.Links++
		}
		s.mu.Unlock()
	}
	br.mu.Unlock()
	st.Dials, st.Drops = br.dials.Load(), br.drops.Load()
	st.Forwarded, st.FwdErrors, st.AckErrors = br.forwarded.Load(), br.fwdErrors.Load(), br.ackErrors.Load()
	return st
}

func (br *bridge) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(br.stats())
	})
	mux.HandleFunc("/subs", func(w http.ResponseWriter, r *http.Request) {
		type row struct {
			ID, Topic string
			Up        bool
			Gen       int
		}
		br.mu.Lock()
		var rows []row
		for _, s := range br.subs {
			s.mu.Lock()
			rows = append(rows, row{s.id, s.topic, s.up, s.gen})
			s.mu.Unlock()
		}
		br.mu.Unlock()
		json.NewEncoder(w).Encode(rows)
	})
	return mux
}

// operator adds subscriptions through the run (tenants onboarding) and
// retires one now and then.
type operator struct {
	br  *bridge
	ids []string
}

func (op *operator) run(ctx context.Context) {
	for i := 0; i < 6; i++ {
		op.add()
	}
	nextRetire := time.Now().Add(25 * time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(2500+rand.Intn(2500)) * time.Millisecond):
		}
		op.add()
		if time.Now().After(nextRetire) && len(op.ids) > 4 {
			k := rand.Intn(len(op.ids))
			id := op.ids[k]
			op.ids = append(op.ids[:k], op.ids[k+1:]...)
			op.br.unsubscribe(id)
			log.Printf("operator: retired %s", id)
			nextRetire = time.Now().Add(time.Duration(15+rand.Intn(15)) * time.Second)
		}
	}
}

func (op *operator) add() {
	tenant := rand.Intn(40)
	topic := fmt.Sprintf("t%02d.%s", tenant, []string{"orders", "events", "audit", "metrics"}[rand.Intn(4)])
	op.ids = append(op.ids, op.br.subscribe(topic, fmt.Sprintf("bridge-%02d", tenant)))
}

// watchAdmin is the dashboard that scrapes the admin endpoint.
func watchAdmin(ctx context.Context, adminURL string) {
	c := &http.Client{Timeout: 3 * time.Second}
	tk := time.NewTicker(2 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for _, p := range []string{"/stats", "/subs"} {
			resp, err := c.Get(adminURL + p)
			if err != nil {
				continue
			}
			var v interface{}
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
		}
	}
}

// ingest is the downstream service the bridge posts to.
type ingest struct {
	mu       sync.Mutex
	byTopic  map[string]uint64
	received atomic.Int64
}

func newIngest() *ingest { return &ingest{byTopic: make(map[string]uint64)} }

func (in *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ingest" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var m struct {
		Topic  string `json:"topic"`
		Offset uint64 `json:"offset"`
		Data   string `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// a little work per record, occasionally slow (compaction)
	if rand.Intn(50) == 0 {
		time.Sleep(time.Duration(20+rand.Intn(80)) * time.Millisecond)
	}
	in.mu.Lock()
	if m.Offset > in.byTopic[m.Topic] {
		in.byTopic[m.Topic] = m.Offset
	}
	in.mu.Unlock()
	in.received.Add(1)
	w.WriteHeader(http.StatusNoContent)
}
