package main

import (
	"context"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

var instruments = []string{
	"EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCHF", "USDCAD",
	"XAUUSD", "BTCUSD", "ETHUSD", "SPX", "NDX", "DAX",
}

type tick struct {
	Sym   string
	Seq   uint64
	Price float64
}

type subscription struct {
	id     uint64
	topics map[string]bool
	ch     chan tick
}

// hub fans the price feed out to subscriptions; slow subscribers lose ticks
// instead of holding the feed up.
type hub struct {
	mu      sync.RWMutex
	subs    map[uint64]*subscription
	last    map[string]tick
	known   map[string]bool
	seq     uint64
	dropped atomic.Int64
}

func newHub(syms []string) *hub {
	h := &hub{subs: make(map[uint64]*subscription), last: make(map[string]tick), known: make(map[string]bool)}
	for i, s := range syms {
		h.known[s] = true
		h.last[s] = tick{Sym: s, Price: 100 + float64(i)*7.5}
	}
	return h
}

func (h *hub) valid(sym string) bool { return h.known[sym] }

func (h *hub) subscribe(id uint64, topics []string) *subscription {
	s := &subscription{id: id, topics: make(map[string]bool), ch: make(chan tick, 64)}
	for _, t := range topics {
		s.topics[t] = true
	}
	h.mu.Lock()
	h.subs[id] = s
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	delete(h.subs, s.id)
	h.mu.Unlock()
}

func (h *hub) active() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

func (h *hub) lastTicks(topics []string) []tick {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]tick, 0, len(topics))
	for _, t := range topics {
		out = append(out, h.last[t])
	}
	return out
}

func (h *hub) publish(t tick) {
	h.mu.Lock()
	h.seq++
	t.Seq = h.seq
	h.last[t.Sym] = t
	h.mu.Unlock()

	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, s := range h.subs {
		if !s.topics[t.Sym] {
			continue
		}
		select {
		case s.ch <- t:
		default:
			h.dropped.Add(1)
		}
	}
}

// runFeed is the upstream market-data feed: a random walk per instrument.
func (h *hub) runFeed(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for _, sym := range instruments {
			if rand.Intn(3) != 0 {
				continue
			}
			h.mu.RLock()
			p := h.last[sym].Price
			h.mu.RUnlock()
			h.publish(tick{Sym: sym, Price: p * (1 + (rand.Float64()-0.5)/500)})
		}
	}
}
