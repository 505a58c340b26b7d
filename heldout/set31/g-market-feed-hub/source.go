package main

import (
	"context"
	"math/rand"
	"time"
)

// Source is a synthetic exchange feed for one topic.
type Source struct {
	topic   string
	symbols []string
	every   time.Duration
	prices  map[string]float64
	rnd     *rand.Rand
	broker  *Broker
}

// StartSource starts publishing ticks for topic and returns.
func StartSource(ctx context.Context, b *Broker, topic string, symbols []string, every time.Duration) *Source {
	s := &Source{
		topic:   topic,
		symbols: symbols,
		every:   every,
		prices:  make(map[string]float64, len(symbols)),
		rnd:     rand.New(rand.NewSource(time.Now().UnixNano() + int64(len(topic)))),
		broker:  b,
	}
	for i, sym := range symbols {
		s.prices[sym] = 50 + float64(i)*17.5
	}
	go s.run(ctx)
	return s
}

func (s *Source) run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sym := s.symbols[s.rnd.Intn(len(s.symbols))]
			p := s.prices[sym] * (1 + (s.rnd.Float64()-0.5)*0.004)
			s.prices[sym] = p
			s.broker.Publish(s.topic, sym, p)
		}
	}
}

func symbolsFor(topic string) []string {
	switch topic {
	case "equities":
		return []string{"ACME", "GLOBX", "INITECH", "UMBR", "HOOLI", "WAYNE"}
	case "fx":
		return []string{"EURUSD", "USDJPY", "GBPUSD", "AUDUSD", "USDCHF"}
	case "crypto":
		return []string{"BTCUSD", "ETHUSD", "SOLUSD"}
	default:
		return []string{"UST2Y", "UST10Y", "BUND10Y", "GILT10Y"}
	}
}
