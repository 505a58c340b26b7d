package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

type product struct {
	SKU   string  `json:"sku"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
	From  string  `json:"from"`
}

func newTransport(maxIdlePerHost int, idle time.Duration) *http.Transport {
	return &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   time.Second,
			KeepAlive: 15 * time.Second,
		}).DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   maxIdlePerHost,
		IdleConnTimeout:       idle,
		ResponseHeaderTimeout: 2 * time.Second,
	}
}

// catalogClient reads product data from any catalog replica.
type catalogClient struct {
	fleet *catalogFleet
	hc    *http.Client
}

func newCatalogClient(f *catalogFleet) *catalogClient {
	return &catalogClient{fleet: f, hc: &http.Client{Transport: newTransport(2, 3*time.Second)}}
}

func (c *catalogClient) get(ctx context.Context, sku string) (*product, error) {
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	r := c.fleet.pick()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.addr+"/v2/products/"+sku, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("catalog %s: %s", r.name, resp.Status)
	}
	var p product
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return &p, nil
}

// inventoryClient places stock holds. Holds must not be abandoned halfway
// when the shopper's request goes away, so these calls are not tied to the
// inbound request context; the transport's header timeout bounds them.
type inventoryClient struct {
	base string
	hc   *http.Client
}

var errOutOfStock = errors.New("inventory: out of stock")

type outOfStockError struct {
	SKU       string
	Available int
}

func (e *outOfStockError) Error() string {
	return fmt.Sprintf("inventory: %s has only %d left", e.SKU, e.Available)
}

func (e *outOfStockError) Unwrap() error { return errOutOfStock }

func newInventoryClient(base string) *inventoryClient {
	return &inventoryClient{base: base, hc: &http.Client{Transport: newTransport(2, 5*time.Second)}}
}

func (c *inventoryClient) reserve(orderID, sku string, qty int) (*reservation, error) {
	body, err := json.Marshal(reserveRequest{OrderID: orderID, SKU: sku, Qty: qty})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/v1/reservations", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", orderID)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusConflict {
		// Out of stock is an expected outcome, not a failure: the service
		// reports how many units are left so the UI can offer them.
		avail, _ := strconv.Atoi(resp.Header.Get("X-Available-Units"))
		return nil, &outOfStockError{SKU: sku, Available: avail}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("inventory: %s", resp.Status)
	}
	var res reservation
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return &res, nil
}
