// control-heap-cache (leak-free): a bounded LRU cache of rendered pages
// (4000 entries of 1 KiB) fills during the first two phases and then
// stays full while entries are evicted: the live heap grows, then
// plateaus (heap snapshots 1–4). A janitor goroutine and a small worker
// pool run alongside.
package main

import (
	"container/list"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type entry struct {
	key  string
	page []byte
}

type LRU struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
	evict int
}

func NewLRU(max int) *LRU {
	return &LRU{max: max, ll: list.New(), items: make(map[string]*list.Element)}
}

func (c *LRU) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*entry).page, true
	}
	return nil, false
}

func (c *LRU) Add(key string, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		el.Value.(*entry).page = page
		return
	}
	c.items[key] = c.ll.PushFront(&entry{key, page})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*entry).key)
		c.evict++
	}
}

func renderPage(id int) []byte {
	page := make([]byte, 1024)
	for i := range page {
		page[i] = byte(id + i)
	}
	return page
}

func (c *LRU) janitor(stop <-chan struct{}) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

func serve(c *LRU, reqs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for id := range reqs {
		key := fmt.Sprintf("/page/%d", id)
		if _, ok := c.Get(key); !ok {
			c.Add(key, renderPage(id))
		}
	}
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	c := NewLRU(4000)
	stop := make(chan struct{})
	go c.janitor(stop)
	reqs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go serve(c, reqs, &wg)
	}
	next := 0
	phases := []int{2000, 3000, 3000, 3000}
	for k, n := range phases {
		for i := 0; i < n; i++ {
			reqs <- next
			next++
		}
		snap.Settle()
		snap.Goroutines(k + 1)
		snap.Heap(k+1, false)
		fmt.Printf("phase %d: %d cached, %d evicted\n", k+1, len(c.items), c.evict)
	}
	close(reqs)
	wg.Wait()
	close(stop)
	snap.Finish("control-heap-cache")
}
