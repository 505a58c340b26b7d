// heap-map-growth--generic-cache: a generic cache with Put and no eviction;
// the render path caches every page under a key that includes the query
// string, so the map only grows (heap only).
package main

import (
	"fmt"

	"example.com/leaks/internal/snap"
)

type Cache[K comparable, V any] struct {
	items map[K]V
}

func NewCache[K comparable, V any]() *Cache[K, V] {
	return &Cache[K, V]{items: map[K]V{}}
}

func (c *Cache[K, V]) Put(k K, v V) {
	c.items[k] = v
}

type page struct {
	path string
	body []byte
}

func render(c *Cache[string, *page], path string, q int) {
	p := &page{path: path, body: make([]byte, 256)}
	copy(p.body, path)
	c.Put(fmt.Sprintf("%s?page=%d", path, q), p)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	c := NewCache[string, *page]()
	q := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 8000; i++ {
			q++
			render(c, fmt.Sprintf("/docs/%d", q%25), q)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, true)
		fmt.Printf("phase %d: %d pages cached\n", k, len(c.items))
	}
	snap.Finish("heap-map-growth--generic-cache")
}
