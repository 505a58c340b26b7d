// timeout-leak--ctx-done: the caller selects on the result and on
// ctx.Done() of a context.WithTimeout; the one-line worker closure blocks
// on its send once the deadline won.
package main

import (
	"context"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Quote struct {
	Symbol string
	Price  float64
}

type Pricer struct{ slow bool }

func (p *Pricer) quote(sym string) Quote {
	if p.slow {
		time.Sleep(40 * time.Millisecond)
	}
	return Quote{Symbol: sym, Price: 1}
}

func (p *Pricer) Quote(ctx context.Context, sym string) (Quote, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	ch := make(chan Quote)
	go func() { ch <- p.quote(sym) }()
	select {
	case q := <-ch:
		return q, nil
	case <-ctx.Done():
		return Quote{}, ctx.Err()
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	fast, slow := &Pricer{}, &Pricer{slow: true}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			fast.Quote(context.Background(), "ACME")
			if _, err := slow.Quote(context.Background(), "SLOW"); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(60 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("timeout-leak--ctx-done")
}
