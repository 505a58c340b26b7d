package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

type upstreamConfig struct {
	MaxIdleConnsPerHost int
	IdleConnTimeout     time.Duration
	RequestTimeout      time.Duration
}

type item struct {
	ID      string   `json:"id"`
	Backend string   `json:"backend"`
	Price   float64  `json:"price"`
	Stock   int      `json:"stock"`
	Tags    []string `json:"tags"`
}

// upstream is the gateway's client for the item fleet.
type upstream struct {
	fleet *fleet
	hc    *http.Client
	cfg   upstreamConfig

	unhealthy atomic.Int64
}

func newUpstream(f *fleet, cfg upstreamConfig) *upstream {
	tr := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   time.Second,
			KeepAlive: 15 * time.Second,
		}).DialContext,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:       cfg.IdleConnTimeout,
		ResponseHeaderTimeout: 2 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &upstream{fleet: f, hc: &http.Client{Transport: tr}, cfg: cfg}
}

func (u *upstream) getItem(ctx context.Context, b *itemBackend, id string) (*item, error) {
	ctx, cancel := context.WithTimeout(ctx, u.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.addr+"/v1/items/"+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := u.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("%s: status %d", b.name, resp.StatusCode)
	}
	var it item
	if err := json.NewDecoder(resp.Body).Decode(&it); err != nil {
		return nil, err
	}
	// Drain the rest so the connection can go back to the idle pool.
	_, _ = io.Copy(io.Discard, resp.Body)
	return &it, nil
}

// healthLoop probes every backend periodically over the same transport.
func (u *upstream) healthLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, b := range u.fleet.snapshot() {
				if err := u.probe(ctx, b); err != nil {
					u.unhealthy.Add(1)
					log.Printf("health: %s: %v", b.name, err)
				}
			}
		}
	}
}

func (u *upstream) probe(ctx context.Context, b *itemBackend) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := u.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
