package main

import (
	"encoding/json"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

type Config struct {
	TenantQueue     int     `json:"tenant_queue"`
	WebhooksEnabled bool    `json:"webhooks_enabled"`
	TenantRate      float64 `json:"tenant_rate"`
	TenantBurst     float64 `json:"tenant_burst"`
}

type configHolder struct{ v atomic.Value }

func (h *configHolder) Load() *Config   { return h.v.Load().(*Config) }
func (h *configHolder) Store(c *Config) { h.v.Store(c) }

// kvStore is the stand-in for the cluster's config service: a versioned
// key/value store with long-poll watches.
type kvStore struct {
	mu      sync.Mutex
	version int64
	data    map[string][]byte
	changed chan struct{} // closed and replaced on every write
}

func newKVStore() *kvStore {
	return &kvStore{data: make(map[string][]byte), changed: make(chan struct{})}
}

func (kv *kvStore) Put(key string, val []byte) int64 {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.version++
	kv.data[key] = val
	close(kv.changed)
	kv.changed = make(chan struct{})
	return kv.version
}

func (kv *kvStore) Get(key string) ([]byte, int64) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.data[key], kv.version
}

// Watch blocks until the store is newer than since or the timeout passes.
func (kv *kvStore) Watch(since int64, timeout time.Duration) int64 {
	kv.mu.Lock()
	if kv.version > since {
		v := kv.version
		kv.mu.Unlock()
		return v
	}
	ch := kv.changed
	kv.mu.Unlock()

	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.version
}

// watchConfig long-polls the config service and swaps in new configs.
func watchConfig(kv *kvStore, key string, h *configHolder, l *log.Logger) {
	var seen int64
	for {
		v := kv.Watch(seen, 30*time.Second)
		if v == seen {
			continue
		}
		seen = v
		raw, _ := kv.Get(key)
		var c Config
		if err := json.Unmarshal(raw, &c); err != nil {
			l.Printf("config v%d: %v (keeping old)", v, err)
			continue
		}
		if c.TenantQueue <= 0 {
			c.TenantQueue = 64
		}
		h.Store(&c)
		l.Printf("config v%d loaded: %+v", v, c)
	}
}

// operator simulates people changing the config now and then.
func operator(kv *kvStore, key string, every time.Duration) {
	n := 0
	for {
		time.Sleep(every)
		n++
		c := Config{
			TenantQueue:     64,
			WebhooksEnabled: n%5 != 4,
			TenantRate:      float64(8 + n%4*2),
			TenantBurst:     20,
		}
		raw, _ := json.Marshal(c)
		kv.Put(key, raw)
	}
}
