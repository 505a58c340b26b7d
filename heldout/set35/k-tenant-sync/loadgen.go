package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"time"
)

// loadGen plays operators and automation pushing config changes. The
// request rate ramps up over the run, with a burst of changes (a rollout)
// every 20 s.
type loadGen struct {
	base   string
	roster *tenantRoster
	stats  *stats
}

func (g *loadGen) run(ctx context.Context) {
	client := &http.Client{
		Timeout:   3 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 20 * time.Second},
	}
	jobs := make(chan string, 16)
	for i := 0; i < 4; i++ {
		go g.worker(ctx, client, jobs)
	}
	start := time.Now()
	rollout := time.NewTicker(20 * time.Second)
	defer rollout.Stop()
	for {
		// 1 req/s at the start, about 4 req/s after two minutes.
		rate := 1 + time.Since(start).Seconds()/40
		gap := time.Duration(float64(time.Second) / rate * (0.5 + rand.Float64()))
		select {
		case <-ctx.Done():
			close(jobs)
			return
		case <-rollout.C:
			names := g.roster.names()
			rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
			for i := 0; i < len(names) && i < 10; i++ {
				g.enqueue(ctx, jobs, fmt.Sprintf("%s/v1/tenants/%s/changes?n=%d", g.base, names[i], 5+rand.Intn(20)))
			}
		case <-time.After(gap):
			names := g.roster.names()
			if len(names) == 0 {
				continue
			}
			name := names[rand.Intn(len(names))]
			if rand.Intn(4) == 0 {
				g.enqueue(ctx, jobs, g.base+"/v1/tenants/"+name)
			} else {
				g.enqueue(ctx, jobs, fmt.Sprintf("%s/v1/tenants/%s/changes?n=%d", g.base, name, 1+rand.Intn(3)))
			}
		}
	}
}

func (g *loadGen) enqueue(ctx context.Context, jobs chan<- string, url string) {
	select {
	case jobs <- url:
	case <-ctx.Done():
	}
}

func (g *loadGen) worker(ctx context.Context, client *http.Client, jobs <-chan string) {
	for url := range jobs {
		method := http.MethodGet
		if strings.Contains(url, "/changes?") {
			method = http.MethodPost
		}
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			g.stats.apiErrors.Add(1)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			g.stats.apiErrors.Add(1)
		}
	}
}
