package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

// object is what the origin stores under a key.
type object struct {
	Key     string    `json:"key"`
	Version int64     `json:"version"`
	Body    string    `json:"body"`
	Updated time.Time `json:"updated"`
}

func (o object) etag() string { return `"v` + strconv.FormatInt(o.Version, 10) + `"` }

// originStore is the system of record: a primary and an asynchronously
// replicated read replica that trails it by a few seconds.
type originStore struct {
	mu      sync.RWMutex
	primary map[string]object
	replica map[string]object
	log     []object // writes not yet shipped to the replica
	lag     time.Duration
}

func newOriginStore() *originStore {
	s := &originStore{primary: map[string]object{}, replica: map[string]object{}, lag: 4 * time.Second}
	now := time.Now()
	put := func(key, body string) {
		o := object{Key: key, Version: 1, Body: body, Updated: now}
		s.primary[key] = o
		s.replica[key] = o
	}
	for i := 0; i < productKeys; i++ {
		put(fmt.Sprintf("product:%d", i), fmt.Sprintf(`{"sku":%d,"price":%.2f}`, i, 5+randFloat()*200))
	}
	for i := 0; i < profileKeys; i++ {
		put(fmt.Sprintf("profile:%d", i), fmt.Sprintf(`{"user":%d,"tier":%d}`, i, randIntn(3)))
	}
	for i := 0; i < docKeys; i++ {
		put(fmt.Sprintf("doc:%d", i), strings.Repeat("lorem ipsum ", 20+randIntn(60)))
	}
	return s
}

func (s *originStore) get(key string, fromReplica bool) (object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.primary
	if fromReplica {
		m = s.replica
	}
	o, ok := m[key]
	return o, ok
}

func (s *originStore) write(key, body string) (object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.primary[key]
	if !ok {
		return object{}, false
	}
	o := object{Key: key, Version: cur.Version + 1, Body: body, Updated: time.Now()}
	s.primary[key] = o
	s.log = append(s.log, o)
	return o, true
}

// replicate ships the write log to the replica once entries are older than
// the current replication lag, which drifts between 3 and 7 seconds.
func (s *originStore) replicate(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	drift := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.mu.Lock()
			if now.Sub(drift) > 10*time.Second {
				s.lag = randDur(3*time.Second, 7*time.Second)
				drift = now
			}
			n := 0
			for n < len(s.log) && now.Sub(s.log[n].Updated) >= s.lag {
				o := s.log[n]
				s.replica[o.Key] = o
				n++
			}
			s.log = append(s.log[:0], s.log[n:]...)
			s.mu.Unlock()
		}
	}
}

// churnPrices simulates the pricing system updating product records.
func (s *originStore) churnPrices(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			i := randIntn(productKeys)
			s.write(fmt.Sprintf("product:%d", i), fmt.Sprintf(`{"sku":%d,"price":%.2f}`, i, 5+randFloat()*200))
		}
	}
}

// originServer exposes the store as /objects/KEY. Document reads are load
// balanced over the primary and the replica; everything else reads the
// primary.
type originServer struct {
	store *originStore
}

func (o *originServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/objects/"))
	if err != nil || key == "" {
		http.Error(w, "bad key", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		o.serveGet(w, r, key)
	case http.MethodPut:
		body, err := ioutil.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !o.pause(r.Context(), 30*time.Millisecond, 90*time.Millisecond) {
			return
		}
		obj, ok := o.store.write(key, string(body))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", obj.etag())
		json.NewEncoder(w).Encode(obj)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (o *originServer) serveGet(w http.ResponseWriter, r *http.Request, key string) {
	lo, hi := 15*time.Millisecond, 60*time.Millisecond
	replica := false
	if strings.HasPrefix(key, "doc:") {
		lo, hi = 40*time.Millisecond, 140*time.Millisecond
		replica = randIntn(2) == 0
	} else if strings.HasPrefix(key, "profile:") {
		lo, hi = 30*time.Millisecond, 110*time.Millisecond
	}
	if !o.pause(r.Context(), lo, hi) {
		return
	}
	if randIntn(100) < 2 {
		http.Error(w, "origin overloaded", http.StatusServiceUnavailable)
		return
	}
	obj, ok := o.store.get(key, replica)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("If-None-Match") == obj.etag() {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", obj.etag())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(obj)
}

func (o *originServer) pause(ctx context.Context, lo, hi time.Duration) bool {
	t := time.NewTimer(randDur(lo, hi))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

var (
	errNotModified = errors.New("origin: not modified")
	errNotFound    = errors.New("origin: not found")
)

// originClient talks to the origin over HTTP.
type originClient struct {
	base string
	hc   *http.Client
}

func (c *originClient) fetch(ctx context.Context, key, etag string) (object, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/objects/"+url.PathEscape(key), nil)
	if err != nil {
		return object{}, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	return c.do(req)
}

func (c *originClient) store(ctx context.Context, key string, body []byte) (object, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+"/objects/"+url.PathEscape(key), strings.NewReader(string(body)))
	if err != nil {
		return object{}, err
	}
	return c.do(req)
}

func (c *originClient) do(req *http.Request) (object, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return object{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return object{}, errNotModified
	case http.StatusNotFound:
		io.Copy(ioutil.Discard, resp.Body)
		return object{}, errNotFound
	default:
		io.Copy(ioutil.Discard, resp.Body)
		return object{}, fmt.Errorf("origin: %s", resp.Status)
	}
	var obj object
	if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil {
		return object{}, fmt.Errorf("origin: decode %s: %v", req.URL.Path, err)
	}
	return obj, nil
}
