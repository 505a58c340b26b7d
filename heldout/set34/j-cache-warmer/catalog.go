package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand"
	"sync"
	"time"
)

// catalog is the set of SKUs the storefront sells; merchandising adds new
// ones all the time.
type catalog struct {
	mu    sync.RWMutex
	skus  []string
	added []time.Time
	rnd   *rand.Rand
}

func newCatalog(n int) *catalog {
	c := &catalog{rnd: rand.New(rand.NewSource(time.Now().UnixNano()))}
	for i := 0; i < n; i++ {
		c.add()
	}
	return c
}

func (c *catalog) add() {
	c.skus = append(c.skus, fmt.Sprintf("sku-%05d", 10000+len(c.skus)))
	c.added = append(c.added, time.Now())
}

func (c *catalog) grow(ctx context.Context) {
	t := time.NewTicker(1500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.mu.Lock()
			for i := 0; i < 1+c.rnd.Intn(8); i++ {
				c.add()
			}
			c.mu.Unlock()
		}
	}
}

func (c *catalog) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.skus)
}

// popular picks a SKU with a skewed distribution: low ranks are hot.
func (c *catalog) popular(r *rand.Rand) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := len(c.skus)
	x := r.Float64()
	return c.skus[int(x*x*x*float64(n))%n]
}

func (c *catalog) top(n int, offset int) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, n)
	for i := 0; i < n && offset+i < len(c.skus); i++ {
		out = append(out, c.skus[offset+i])
	}
	return out
}

func (c *catalog) newest(n int) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n > len(c.skus) {
		n = len(c.skus)
	}
	return append([]string(nil), c.skus[len(c.skus)-n:]...)
}

func (c *catalog) sample(r *rand.Rand, n int) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, n)
	for i := range out {
		out[i] = c.skus[r.Intn(len(c.skus))]
	}
	return out
}

// coldness says how expensive a SKU is for the origin to assemble: most
// are cheap, some need joins across services, a few hit cold storage.
func coldness(sku string) int {
	h := fnv.New32a()
	h.Write([]byte(sku))
	switch v := h.Sum32() % 100; {
	case v < 70:
		return 0
	case v < 91:
		return 1
	default:
		return 2
	}
}
