// heap-growth: a blob cache that inserts 256 KiB buffers and never evicts
// anything (heap only). Uses Go's default heap sampling rate.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type BlobCache struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func loadBlob(key string) []byte {
	b := make([]byte, 256<<10)
	copy(b, key)
	return b
}

// Get loads and caches; there is no size bound and no eviction.
func (c *BlobCache) Get(key string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.blobs[key]; ok {
		return b
	}
	b := loadBlob(key)
	c.blobs[key] = b
	return b
}

func main() {
	snap.Start()
	c := &BlobCache{blobs: map[string][]byte{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 24; i++ {
			n++
			_ = c.Get(fmt.Sprintf("thumb/%d.png", n))
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("heap-growth")
}
