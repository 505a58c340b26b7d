package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// rollupExporter ships tenant rollups to the warehouse. Aggregators hand
// their windows over on an unbuffered intake channel, so a slow warehouse
// pushes back on them directly. The worker pool grows with the number of
// tenants (one worker per tenantsPerWorker); workers never retire.
type rollupExporter struct {
	sink             string
	hc               *http.Client
	tenantsPerWorker int
	in               chan rollup

	mu      sync.Mutex
	ctx     context.Context
	workers int

	shipped int64
	failed  int64
}

func newRollupExporter(sink string, tenantsPerWorker int) *rollupExporter {
	return &rollupExporter{
		sink:             sink,
		tenantsPerWorker: tenantsPerWorker,
		in:               make(chan rollup),
		hc: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 60 * time.Second},
		},
	}
}

func (x *rollupExporter) Intake() chan<- rollup { return x.in }

// Start starts the first worker.
func (x *rollupExporter) Start(ctx context.Context) {
	x.mu.Lock()
	x.ctx = ctx
	x.mu.Unlock()
	x.Scale(1)
}

// Scale makes sure there are enough workers for tenants tenants.
func (x *rollupExporter) Scale(tenants int) {
	want := (tenants + x.tenantsPerWorker - 1) / x.tenantsPerWorker
	x.mu.Lock()
	defer x.mu.Unlock()
	for x.workers < want {
		go x.worker(x.ctx, x.workers)
		x.workers++
	}
}

func (x *rollupExporter) Workers() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.workers
}

func (x *rollupExporter) worker(ctx context.Context, id int) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-x.in:
			if err := x.ship(ctx, r); err != nil {
				atomic.AddInt64(&x.failed, 1)
				log.Printf("exporter %d: %s: %v", id, r.Tenant, err)
				continue
			}
			atomic.AddInt64(&x.shipped, 1)
		}
	}
}

func (x *rollupExporter) ship(ctx context.Context, r rollup) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.sink+"/load?table=rollups", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := x.hc.Do(req)
		if err == nil {
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return nil
			}
			err = fmt.Errorf("warehouse: %s", resp.Status)
		}
		if attempt == 2 {
			return err
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
}
