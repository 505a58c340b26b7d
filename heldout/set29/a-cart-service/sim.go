package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"time"
)

var b2bAccounts = func() []string {
	var out []string
	for i := 1; i <= 16; i++ {
		out = append(out, fmt.Sprintf("acct-%02d", i))
	}
	return out
}()

type sim struct {
	base   string
	skus   []string
	client *http.Client
}

func newSim(base string, skus []string) *sim {
	return &sim{
		base: base,
		skus: skus,
		client: &http.Client{
			Timeout: 3 * time.Second,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 32,
				IdleConnTimeout:     30 * time.Second,
			},
		},
	}
}

func (s *sim) do(method, path string, body interface{}) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *sim) addItem(customer, sku string, qty int) (int, error) {
	return s.do(http.MethodPost, "/v1/carts/"+customer+"/items", map[string]interface{}{"sku": sku, "qty": qty})
}

func think(lo, hi int) {
	time.Sleep(time.Duration(lo+rand.Intn(hi-lo)) * time.Millisecond)
}

// shoppers: retail sessions arriving continuously, each one short-lived.
func (s *sim) shoppers() {
	for {
		think(150, 450)
		go s.shop(fmt.Sprintf("cust-%05d", rand.Intn(20000)))
	}
}

func (s *sim) shop(customer string) {
	if rand.Intn(3) == 0 {
		if _, err := s.do(http.MethodGet, fmt.Sprintf("/v1/catalog?offset=%d&limit=25", 25*rand.Intn(16)), nil); err != nil {
			return
		}
		think(100, 400)
	}
	n := 1 + rand.Intn(6)
	var added []string
	for i := 0; i < n; i++ {
		sku := s.skus[rand.Intn(len(s.skus))]
		if code, err := s.addItem(customer, sku, 1+rand.Intn(3)); err != nil || code != http.StatusOK {
			return
		}
		added = append(added, sku)
		think(100, 500)
	}
	if _, err := s.do(http.MethodGet, "/v1/carts/"+customer, nil); err != nil {
		return
	}
	if len(added) > 1 && rand.Intn(4) == 0 {
		s.do(http.MethodDelete, "/v1/carts/"+customer+"/items/"+added[0], nil)
		think(100, 300)
	}
	if rand.Intn(10) < 6 {
		s.do(http.MethodPost, "/v1/carts/"+customer+"/checkout", nil)
	}
}

// importer runs B2B bulk-order jobs: an EDI order list pushed line by line
// into an account's cart, then checked out unless the account wants to
// review it first.
func (s *sim) importer() {
	for {
		think(3000, 8000)
		acct := b2bAccounts[rand.Intn(len(b2bAccounts))]
		go s.importJob(acct, 4+rand.Intn(37))
	}
}

func (s *sim) importJob(acct string, lines int) {
	for i := 0; i < lines; i++ {
		sku := s.skus[rand.Intn(len(s.skus))]
		code, err := s.addItem(acct, sku, 1+rand.Intn(20))
		if err != nil {
			log.Printf("import %s: line %d: %v", acct, i, err)
			return
		}
		if code != http.StatusOK {
			log.Printf("import %s: line %d: status %d, aborting", acct, i, code)
			return
		}
		think(10, 40)
	}
	if rand.Intn(3) == 0 {
		s.do(http.MethodPost, "/v1/carts/"+acct+"/checkout", nil)
	}
}

// dashboard is a "live cart" widget an account operator keeps open.
func (s *sim) dashboard(acct string, screen int) {
	think(0, 2000)
	for {
		s.do(http.MethodGet, "/v1/carts/"+acct, nil)
		think(800, 1600)
	}
}

func (s *sim) ops() {
	for n := 1; ; n++ {
		think(4000, 6000)
		s.do(http.MethodGet, "/healthz", nil)
		s.do(http.MethodGet, "/v1/orders/recent", nil)
		if n%3 == 0 {
			s.do(http.MethodGet, "/debug/pprof/goroutine?debug=2", nil)
		}
	}
}
