package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// erp is the legacy ERP's stock service. Its stock table is split into
// partitions (one per warehouse zone); the nightly export jobs lock a
// partition while they dump it, and stock reads on a locked partition wait
// for the export to finish.
type erp struct {
	mu    sync.Mutex
	parts []*partition

	exports, failed atomic.Int64
}

type partition struct {
	mu       sync.Mutex
	stock    map[string]int
	released chan struct{} // non-nil while an export holds the partition
}

func newERP(n int) *erp {
	e := &erp{}
	for i := 0; i < n; i++ {
		e.parts = append(e.parts, &partition{stock: make(map[string]int)})
	}
	return e
}

func (e *erp) partitionOf(wh int) *partition { return e.parts[wh%len(e.parts)] }

func (p *partition) lock() {
	p.mu.Lock()
	p.released = make(chan struct{})
	p.mu.Unlock()
}

func (p *partition) unlock() {
	p.mu.Lock()
	close(p.released)
	p.released = nil
	p.mu.Unlock()
}

// read waits until no export holds the partition, then reads the level.
func (p *partition) read(sku string) int {
	for {
		p.mu.Lock()
		ch := p.released
		if ch == nil {
			n, ok := p.stock[sku]
			if !ok {
				n = rand.Intn(3)
				p.stock[sku] = n
			}
			if rand.Intn(4) == 0 {
				p.stock[sku] = n + rand.Intn(2)
			}
			p.mu.Unlock()
			return n
		}
		p.mu.Unlock()
		<-ch
	}
}

var errSpool = errors.New("export spool full")

// export dumps one partition. The spool check after the lock returns
// without unlocking: the partition stays locked for good.
func (e *erp) export(ctx context.Context, p *partition) error {
	p.lock()
	time.Sleep(time.Duration(300+rand.Intn(1500)) * time.Millisecond)
	if rand.Intn(4) == 0 {
		return errSpool
	}
	p.unlock()
	return nil
}

func (e *erp) runExports(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(2000+rand.Intn(3000)) * time.Millisecond):
		}
		i := rand.Intn(len(e.parts))
		p := e.parts[i]
		p.mu.Lock()
		busy := p.released != nil
		p.mu.Unlock()
		if busy {
			continue
		}
		e.exports.Add(1)
		go func() {
			if err := e.export(ctx, p); err != nil {
				e.failed.Add(1)
			}
		}()
	}
}

func (e *erp) lockedCount() int {
	n := 0
	for _, p := range e.parts {
		p.mu.Lock()
		if p.released != nil {
			n++
		}
		p.mu.Unlock()
	}
	return n
}

func (e *erp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/stock", e.handleStock)
	return mux
}

func (e *erp) handleStock(w http.ResponseWriter, r *http.Request) {
	wh, err := strconv.Atoi(r.URL.Query().Get("wh"))
	if err != nil {
		http.Error(w, "bad warehouse", http.StatusBadRequest)
		return
	}
	sku := r.URL.Query().Get("sku")
	n := e.partitionOf(wh).read(sku)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{"sku": sku, "warehouse": wh, "available": n})
}

func pricingService() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/price", func(w http.ResponseWriter, r *http.Request) {
		// the supplier's price engine is usually quick, sometimes very slow
		d := time.Duration(5+rand.Intn(40)) * time.Millisecond
		if rand.Intn(25) == 0 {
			d = time.Duration(3+rand.Intn(5)) * time.Second
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		json.NewEncoder(w).Encode(map[string]interface{}{"sku": r.URL.Query().Get("sku"), "cents": 500 + rand.Intn(20000)})
	})
	return mux
}

func carrierService() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/track", func(w http.ResponseWriter, r *http.Request) {
		if rand.Intn(30) == 0 {
			http.Error(w, "upstream carrier unavailable", http.StatusBadGateway)
			return
		}
		d := time.Duration(20+rand.Intn(200)) * time.Millisecond
		if rand.Intn(15) == 0 {
			d = 10 * time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		states := []string{"label-created", "in-transit", "in-transit", "out-for-delivery", "delivered"}
		json.NewEncoder(w).Encode(map[string]string{"shipment": r.URL.Query().Get("id"), "state": states[rand.Intn(len(states))], "at": fmt.Sprint(time.Now().Unix())})
	})
	return mux
}
