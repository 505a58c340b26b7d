package main

import (
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errUnknownSKU  = errors.New("unknown sku")
	errCartFull    = errors.New("cart is full")
	errQtyLimit    = errors.New("quantity limit exceeded")
	errEmptyCart   = errors.New("cart is empty")
	errBackpressue = errors.New("order queue full, try again")
)

const maxQtyPerLine = 99

type Item struct {
	SKU   string `json:"sku"`
	Name  string `json:"name"`
	Price int64  `json:"price_cents"`
}

type Catalog struct {
	mu    sync.RWMutex
	items map[string]Item
	skus  []string
}

func newCatalog(n int) *Catalog {
	c := &Catalog{items: make(map[string]Item)}
	for i := 0; i < n; i++ {
		sku := fmt.Sprintf("SKU-%05d", 10000+i*7)
		c.items[sku] = Item{SKU: sku, Name: fmt.Sprintf("item %d", i), Price: int64(199 + (i*7919)%9000)}
		c.skus = append(c.skus, sku)
	}
	return c
}

func (c *Catalog) Lookup(sku string) (Item, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	it, ok := c.items[sku]
	return it, ok
}

func (c *Catalog) SKUs() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.skus...)
}

func (c *Catalog) Page(offset, limit int) []Item {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Item
	for i := offset; i < len(c.skus) && len(out) < limit; i++ {
		out = append(out, c.items[c.skus[i]])
	}
	return out
}

// refresher simulates a price feed: a few prices move every period.
func (c *Catalog) refresher(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		c.mu.Lock()
		for i := 0; i < 20; i++ {
			sku := c.skus[rand.Intn(len(c.skus))]
			it := c.items[sku]
			it.Price += int64(rand.Intn(101) - 50)
			if it.Price < 99 {
				it.Price = 99
			}
			c.items[sku] = it
		}
		c.mu.Unlock()
	}
}

type Line struct {
	SKU   string `json:"sku"`
	Qty   int    `json:"qty"`
	Price int64  `json:"price_cents"`
}

type Cart struct {
	mu       sync.Mutex
	customer string
	lines    map[string]*Line
	version  int
	touched  int64 // unix nanos, atomic; set while holding mu
}

type CartView struct {
	Customer string  `json:"customer"`
	Version  int     `json:"version"`
	Lines    []*Line `json:"lines"`
	Total    int64   `json:"total_cents"`
}

func (c *Cart) viewLocked() CartView {
	v := CartView{Customer: c.customer, Version: c.version}
	for _, l := range c.lines {
		cp := *l
		v.Lines = append(v.Lines, &cp)
		v.Total += l.Price * int64(l.Qty)
	}
	sort.Slice(v.Lines, func(i, j int) bool { return v.Lines[i].SKU < v.Lines[j].SKU })
	return v
}

type Order struct {
	ID       int64
	Customer string
	Total    int64
	Lines    int
	Placed   time.Time
}

type Store struct {
	catalog  *Catalog
	maxLines int

	mu    sync.Mutex
	carts map[string]*Cart

	orders   chan Order
	orderSeq int64

	recentMu sync.Mutex
	recent   []Order

	evicted, fulfilled int64
}

func newStore(cat *Catalog, maxLines int) *Store {
	return &Store{
		catalog:  cat,
		maxLines: maxLines,
		carts:    make(map[string]*Cart),
		orders:   make(chan Order, 128),
	}
}

// lockCart returns the customer's cart (creating it) with its mutex held.
func (s *Store) lockCart(customer string) *Cart {
	s.mu.Lock()
	c := s.carts[customer]
	if c == nil {
		c = &Cart{customer: customer, lines: make(map[string]*Line), touched: time.Now().UnixNano()}
		s.carts[customer] = c
	}
	s.mu.Unlock()
	c.mu.Lock()
	atomic.StoreInt64(&c.touched, time.Now().UnixNano())
	return c
}

func (s *Store) Get(customer string) CartView {
	c := s.lockCart(customer)
	defer c.mu.Unlock()
	return c.viewLocked()
}

func (s *Store) AddItem(customer, sku string, qty int) (CartView, error) {
	item, ok := s.catalog.Lookup(sku)
	if !ok {
		return CartView{}, errUnknownSKU
	}
	c := s.lockCart(customer)
	if l := c.lines[sku]; l != nil {
		if l.Qty+qty > maxQtyPerLine {
			c.mu.Unlock()
			return CartView{}, errQtyLimit
		}
		l.Qty += qty
		l.Price = item.Price
	} else {
		if len(c.lines) >= s.maxLines {
			return CartView{}, errCartFull
		}
		c.lines[sku] = &Line{SKU: sku, Qty: qty, Price: item.Price}
	}
	c.version++
	v := c.viewLocked()
	c.mu.Unlock()
	return v, nil
}

func (s *Store) RemoveItem(customer, sku string) CartView {
	c := s.lockCart(customer)
	defer c.mu.Unlock()
	if _, ok := c.lines[sku]; ok {
		delete(c.lines, sku)
		c.version++
	}
	return c.viewLocked()
}

func (s *Store) Checkout(customer string) (Order, error) {
	c := s.lockCart(customer)
	defer c.mu.Unlock()
	if len(c.lines) == 0 {
		return Order{}, errEmptyCart
	}
	v := c.viewLocked()
	o := Order{
		ID:       atomic.AddInt64(&s.orderSeq, 1),
		Customer: customer,
		Total:    v.Total,
		Lines:    len(v.Lines),
		Placed:   time.Now(),
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case s.orders <- o:
	case <-t.C:
		return Order{}, errBackpressue
	}
	c.lines = make(map[string]*Line)
	c.version++
	return o, nil
}

// fulfillment drains the order queue (pretend: write to the order DB).
func (s *Store) fulfillment(id int) {
	for o := range s.orders {
		time.Sleep(time.Duration(10+rand.Intn(60)) * time.Millisecond)
		s.recentMu.Lock()
		s.recent = append(s.recent, o)
		if len(s.recent) > 50 {
			s.recent = append(s.recent[:0], s.recent[len(s.recent)-50:]...)
		}
		s.recentMu.Unlock()
		atomic.AddInt64(&s.fulfilled, 1)
	}
}

func (s *Store) Recent() []Order {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	return append([]Order(nil), s.recent...)
}

// janitor drops carts nobody has touched for idle.
func (s *Store) janitor(every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		cutoff := now.Add(-idle).UnixNano()
		s.mu.Lock()
		for k, c := range s.carts {
			if atomic.LoadInt64(&c.touched) < cutoff {
				delete(s.carts, k)
				atomic.AddInt64(&s.evicted, 1)
			}
		}
		s.mu.Unlock()
	}
}

func (s *Store) NumCarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.carts)
}
