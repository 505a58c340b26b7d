package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"sync/atomic"
	"time"
)

var tenants = []string{"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "tyrell", "soylent", "wonka", "cyberdyne"}

// clients simulates the product teams and customers calling the job API.
type clients struct {
	base string
	hc   *http.Client
	t0   time.Time

	submitted, throttled, errors, exportsStarted int64
}

func (c *clients) post(path string, v interface{}, out interface{}) (int, error) {
	body, _ := json.Marshal(v)
	resp, err := c.hc.Post(c.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		atomic.AddInt64(&c.errors, 1)
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, err
		}
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (c *clients) get(path string, out interface{}) (int, error) {
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		atomic.AddInt64(&c.errors, 1)
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, err
		}
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

var kinds = []string{"email", "email", "email", "thumbnail", "thumbnail", "webhook", "webhook", "reindex"}

// submitter posts jobs at a rate that drifts over time. Some are delayed
// ("send the reminder in 20s"), and some callers poll until their job is done.
func (c *clients) submitter(id int) {
	for {
		el := time.Since(c.t0).Seconds()
		rate := 5 + 3*math.Sin(2*math.Pi*el/90+float64(id))
		time.Sleep(time.Duration(rand.ExpFloat64() / rate * float64(time.Second)))
		req := submitReq{Kind: kinds[rand.Intn(len(kinds))], Tenant: tenants[rand.Intn(len(tenants))]}
		if rand.Intn(4) == 0 {
			req.DelayMS = 500 + rand.Intn(30000)
		}
		var resp struct {
			ID string `json:"id"`
		}
		code, err := c.post("/v1/jobs", req, &resp)
		if err != nil {
			continue
		}
		if code == http.StatusTooManyRequests {
			atomic.AddInt64(&c.throttled, 1)
			continue
		}
		atomic.AddInt64(&c.submitted, 1)
		if rand.Intn(6) == 0 && resp.ID != "" {
			go c.pollJob(resp.ID, time.Duration(req.DelayMS)*time.Millisecond+8*time.Second)
		}
	}
}

func (c *clients) pollJob(id string, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		time.Sleep(400*time.Millisecond + time.Duration(rand.Intn(200))*time.Millisecond)
		var st jobStatus
		code, err := c.get("/v1/jobs/"+id, &st)
		if err != nil || code != http.StatusOK {
			return
		}
		if st.State == "done" || st.State == "dead" {
			return
		}
	}
}

// exporter requests exports from the dashboard and follows their progress
// with long-polls until they finish.
func (c *clients) exporter(id int) {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() * 5 * float64(time.Second)))
		var resp struct {
			ID     string `json:"id"`
			Chunks int    `json:"chunks"`
		}
		rows := 2000 + rand.Intn(30000)
		code, err := c.post("/v1/exports", map[string]interface{}{"tenant": tenants[rand.Intn(len(tenants))], "rows": rows}, &resp)
		if err != nil || code != http.StatusAccepted {
			continue
		}
		atomic.AddInt64(&c.exportsStarted, 1)
		go c.follow(resp.ID)
	}
}

func (c *clients) follow(id string) {
	since := 0
	for i := 0; i < 100; i++ {
		var st exportState
		code, err := c.get(fmt.Sprintf("/v1/exports/%s?since=%d", id, since), &st)
		if err != nil || code != http.StatusOK {
			return
		}
		if st.Finished {
			return
		}
		since = st.Done
	}
}

// bulk simulates a nightly-import style client that dumps a few hundred jobs
// at once through a handful of concurrent connections.
func (c *clients) bulk() {
	for {
		time.Sleep(time.Duration(18+rand.Intn(25)) * time.Second)
		n := 150 + rand.Intn(250)
		kind := kinds[rand.Intn(len(kinds))]
		tenant := tenants[rand.Intn(len(tenants))]
		work := make(chan int)
		done := make(chan struct{})
		const conc = 6
		for w := 0; w < conc; w++ {
			go func() {
				defer func() { done <- struct{}{} }()
				for range work {
					code, err := c.post("/v1/jobs", submitReq{Kind: kind, Tenant: tenant}, nil)
					if err == nil && code == http.StatusTooManyRequests {
						atomic.AddInt64(&c.throttled, 1)
						time.Sleep(time.Second)
					}
				}
			}()
		}
		for i := 0; i < n; i++ {
			work <- i
		}
		close(work)
		for w := 0; w < conc; w++ {
			<-done
		}
	}
}
