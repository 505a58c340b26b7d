package main

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ---- catalog replicas ----

type catalogReplica struct {
	name string
	addr string
}

type catalogFleet struct {
	mu       sync.RWMutex
	replicas []*catalogReplica
}

func newCatalogFleet() *catalogFleet { return &catalogFleet{} }

func (f *catalogFleet) launch() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	f.mu.Lock()
	r := &catalogReplica{name: fmt.Sprintf("catalog-%d", len(f.replicas)+1), addr: ln.Addr().String()}
	f.replicas = append(f.replicas, r)
	f.mu.Unlock()

	mux := http.NewServeMux()
	mux.HandleFunc("/v2/products/", func(w http.ResponseWriter, req *http.Request) {
		sku := strings.TrimPrefix(req.URL.Path, "/v2/products/")
		select {
		case <-time.After(time.Duration(1+rand.Intn(25)) * time.Millisecond):
		case <-req.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(product{
			SKU:   sku,
			Name:  "Product " + sku,
			Price: float64(100+rand.Intn(9900)) / 100,
			From:  r.name,
		})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 15 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", r.name, err)
		}
	}()
	return nil
}

func (f *catalogFleet) growLoop(ctx context.Context, every time.Duration, max int) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if f.size() < max {
				if err := f.launch(); err != nil {
					log.Printf("catalog: launch: %v", err)
				}
			}
		}
	}
}

func (f *catalogFleet) size() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.replicas)
}

func (f *catalogFleet) pick() *catalogReplica {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.replicas[rand.Intn(len(f.replicas))]
}

// ---- inventory service ----

type inventoryService struct {
	addr string

	mu    sync.Mutex
	stock map[string]int
	holds int
	// SKUs whose hash falls in this shard are allocated to the marketplace
	// channel for the current sync window and cannot be held here.
	channelShard uint32
}

type reserveRequest struct {
	OrderID string `json:"order_id"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

type reservation struct {
	HoldID    string    `json:"hold_id"`
	SKU       string    `json:"sku"`
	Qty       int       `json:"qty"`
	ExpiresAt time.Time `json:"expires_at"`
}

type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Available int    `json:"available,omitempty"`
}

func startInventory() (*inventoryService, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &inventoryService{addr: ln.Addr().String(), stock: make(map[string]int)}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/reservations", s.handleReserve)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 15 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("inventory: %v", err)
		}
	}()
	return s, nil
}

func (s *inventoryService) handleReserve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var req reserveRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Qty <= 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(apiError{Code: "bad_request", Message: "malformed reservation"})
		return
	}
	time.Sleep(time.Duration(2+rand.Intn(15)) * time.Millisecond)

	s.mu.Lock()
	have, ok := s.stock[req.SKU]
	if !ok {
		have = rand.Intn(8)
	}
	enough := have >= req.Qty && skuShard(req.SKU) != s.channelShard
	if enough {
		have -= req.Qty
		s.holds++
	}
	s.stock[req.SKU] = have
	hold := s.holds
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if !enough {
		w.Header().Set("X-Available-Units", strconv.Itoa(have))
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(apiError{
			Code:      "insufficient_stock",
			Message:   "not enough units of " + req.SKU + " to hold",
			Available: have,
		})
		return
	}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(reservation{
		HoldID:    fmt.Sprintf("hold-%06d", hold),
		SKU:       req.SKU,
		Qty:       req.Qty,
		ExpiresAt: time.Now().Add(10 * time.Minute),
	})
}

const channelShards = 8

func skuShard(sku string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(sku))
	return h.Sum32() % channelShards
}

// restockLoop simulates deliveries arriving at the warehouse and rotates
// the marketplace channel allocation.
func (s *inventoryService) restockLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			s.channelShard = uint32(rand.Intn(channelShards))
			for sku, n := range s.stock {
				if n < 3 {
					s.stock[sku] = n + rand.Intn(8)
				}
			}
			s.mu.Unlock()
		}
	}
}
