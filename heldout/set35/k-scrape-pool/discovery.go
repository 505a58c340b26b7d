package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"time"
)

// targetGroup is what a discovery provider reports: the full current
// target set of one job.
type targetGroup struct {
	job     string
	targets []string
}

type provider interface {
	run(ctx context.Context, up chan<- targetGroup)
}

func sendGroup(ctx context.Context, up chan<- targetGroup, g targetGroup) bool {
	select {
	case up <- g:
		return true
	case <-ctx.Done():
		return false
	}
}

// staticProvider re-reads a static target list (a file_sd file, here the
// fleet's list) on a fixed period.
type staticProvider struct {
	job    string
	fleet  *fleet
	reread time.Duration
}

func (p *staticProvider) run(ctx context.Context, up chan<- targetGroup) {
	urls, _, _ := p.fleet.list(p.job)
	if !sendGroup(ctx, up, targetGroup{job: p.job, targets: urls}) {
		return
	}
	tk := time.NewTicker(p.reread)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			urls, _, _ := p.fleet.list(p.job)
			if !sendGroup(ctx, up, targetGroup{job: p.job, targets: urls}) {
				return
			}
		}
	}
}

// catalogProvider polls the registry's catalog endpoint every refresh
// period and reports the job whenever its index moved.
type catalogProvider struct {
	job     string
	base    string
	client  *http.Client
	refresh time.Duration
}

func (p *catalogProvider) run(ctx context.Context, up chan<- targetGroup) {
	var last uint64
	b := retryBackoff{min: time.Second, max: 20 * time.Second}
	for ctx.Err() == nil {
		ans, err := p.fetch(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("sd %s: catalog: %v", p.job, err)
			}
			if !b.wait(ctx) {
				return
			}
			continue
		}
		b.reset()
		if ans.Index != last {
			last = ans.Index
			if !sendGroup(ctx, up, targetGroup{job: p.job, targets: ans.Targets}) {
				return
			}
		}
		t := time.NewTimer(p.refresh)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
}

func (p *catalogProvider) fetch(ctx context.Context) (*registryAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/registry/services?job="+url.QueryEscape(p.job), nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("catalog: %s", resp.Status)
	}
	var ans registryAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return nil, err
	}
	return &ans, nil
}

// watchProvider follows a job with blocking queries: each request parks in
// the registry until the job changes or the wait runs out.
type watchProvider struct {
	job    string
	base   string
	client *http.Client
	wait   time.Duration
}

func (p *watchProvider) run(ctx context.Context, up chan<- targetGroup) {
	var index uint64
	b := retryBackoff{min: 500 * time.Millisecond, max: 15 * time.Second}
	for {
		ans, err := p.watch(ctx, index)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Printf("sd %s: watch: %v", p.job, err)
			if !b.wait(ctx) {
				return
			}
			continue
		}
		b.reset()
		if ans.Index == index {
			continue // wait ran out, nothing new
		}
		index = ans.Index
		if !sendGroup(ctx, up, targetGroup{job: p.job, targets: ans.Targets}) {
			return
		}
	}
}

func (p *watchProvider) watch(ctx context.Context, index uint64) (*registryAnswer, error) {
	wait := p.wait + jitter(0, p.wait/4)
	ctx, cancel := context.WithTimeout(ctx, wait+10*time.Second)
	defer cancel()
	q := url.Values{"job": {p.job}, "index": {fmt.Sprint(index)}, "wait": {wait.String()}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/registry/watch?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ans registryAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return nil, err
	}
	return &ans, nil
}
