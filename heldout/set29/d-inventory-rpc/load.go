package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync/atomic"
	"time"
)

type shoppers struct {
	c    *cluster
	skus []string
	hot  []string

	orders, failedOrders, watching, notified, listings, partial int64
	maxWatchers                                                 int64
	orderSeq                                                    int64
}

func (s *shoppers) randomSKU() string { return s.skus[rand.Intn(len(s.skus))] }

// browse: product pages, one hedged Get each.
func (s *shoppers) browse(ratePerSec float64) {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() / ratePerSec * float64(time.Second)))
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		sku := s.randomSKU()
		if rand.Intn(3) == 0 {
			sku = s.hot[rand.Intn(len(s.hot))]
		}
		s.c.Get(ctx, sku)
		cancel()
	}
}

// list: category pages, a batch read across shards.
func (s *shoppers) list(ratePerSec float64) {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() / ratePerSec * float64(time.Second)))
		n := 8 + rand.Intn(16)
		page := make([]string, n)
		for i := range page {
			page[i] = s.randomSKU()
		}
		_, missing := s.c.GetMany(context.Background(), page)
		atomic.AddInt64(&s.listings, 1)
		if len(missing) > 0 {
			atomic.AddInt64(&s.partial, 1)
		}
	}
}

func (s *shoppers) checkout(timeout time.Duration, items []string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	order := fmt.Sprintf("o-%d", atomic.AddInt64(&s.orderSeq, 1))
	for _, sku := range items {
		err := s.c.Reserve(ctx, order, sku, 1+rand.Intn(2))
		if err == errOutOfStock {
			if rand.Intn(3) == 0 {
				s.startWatcher(sku)
			}
			continue
		}
		if err != nil {
			atomic.AddInt64(&s.failedOrders, 1)
			return
		}
	}
	atomic.AddInt64(&s.orders, 1)
}

// orderFlow: a steady trickle of checkouts, each on its own goroutine.
func (s *shoppers) orderFlow(ratePerSec float64) {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() / ratePerSec * float64(time.Second)))
		items := make([]string, 1+rand.Intn(3))
		for i := range items {
			items[i] = s.randomSKU()
		}
		go s.checkout(10*time.Second, items)
	}
}

// drops: a limited release opens and a few hundred shoppers check out at
// once. They queue on the commit semaphore for up to 15s.
func (s *shoppers) drops() {
	for {
		time.Sleep(time.Duration(25+rand.Intn(20)) * time.Second)
		n := 180 + rand.Intn(170)
		for i := 0; i < n; i++ {
			items := []string{s.hot[rand.Intn(len(s.hot))]}
			if rand.Intn(2) == 0 {
				items = append(items, s.randomSKU())
			}
			go s.checkout(15*time.Second, items)
		}
	}
}

// startWatcher subscribes a shopper to "back in stock" for sku, unless too
// many subscriptions are already open.
func (s *shoppers) startWatcher(sku string) {
	if atomic.AddInt64(&s.watching, 1) > s.maxWatchers {
		atomic.AddInt64(&s.watching, -1)
		return
	}
	go func() {
		defer atomic.AddInt64(&s.watching, -1)
		for round := 0; round < 3; round++ {
			wait := time.Duration(20+rand.Intn(70)) * time.Second
			r, err := s.c.WaitRestock(context.Background(), sku, wait)
			if err != nil {
				return
			}
			if r.Restocked {
				atomic.AddInt64(&s.notified, 1)
				return
			}
		}
	}()
}

// subscriptions: shoppers hitting "notify me" on product pages.
func (s *shoppers) subscriptions() {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() * 1.2 * float64(time.Second)))
		s.startWatcher(s.randomSKU())
	}
}
