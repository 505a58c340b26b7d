package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"net/http"
	"strings"
	"time"
)

// loadGen drives the cache with storefront traffic through a pool of
// client workers; the rate ramps over the run and bursts for 4 s every
// 30 s. Editors separately save documents and then poll them.
type loadGen struct {
	base   string
	client *http.Client
	start  time.Time
	zipf   *rand.Zipf // only used by run
}

func newLoadGen(base string) *loadGen {
	src := rand.New(rand.NewSource(time.Now().UnixNano()))
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout:   1500 * time.Millisecond,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
		zipf:  rand.NewZipf(src, 1.15, 4, productKeys-1),
	}
}

func (g *loadGen) rate() float64 {
	el := time.Since(g.start).Seconds()
	r := 8 + el*0.12
	if int(el)%30 >= 18 && int(el)%30 < 22 {
		r *= 2.5
	}
	return r
}

func (g *loadGen) nextPath() string {
	p := randIntn(100)
	switch {
	case p < 62:
		return fmt.Sprintf("/get?key=product:%d", g.zipf.Uint64())
	case p < 84:
		return fmt.Sprintf("/get?key=profile:%d", randIntn(profileKeys+20))
	case p < 90:
		return fmt.Sprintf("/get?key=doc:%d", randIntn(docKeys))
	default:
		keys := []string{
			fmt.Sprintf("product:%d", g.zipf.Uint64()),
			fmt.Sprintf("product:%d", g.zipf.Uint64()),
			fmt.Sprintf("profile:%d", randIntn(profileKeys)),
		}
		if randIntn(10) < 3 {
			keys = append(keys, fmt.Sprintf("doc:%d", randIntn(docKeys)))
		}
		return "/mget?keys=" + strings.Join(keys, ",")
	}
}

func (g *loadGen) run(ctx context.Context) {
	jobs := make(chan string, 32)
	for i := 0; i < 14; i++ {
		go g.worker(ctx, jobs)
	}
	const step = 100 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		carry += g.rate() * step.Seconds()
		for ; carry >= 1; carry-- {
			select {
			case jobs <- g.nextPath():
			case <-ctx.Done():
				return
			}
		}
	}
}

func (g *loadGen) worker(ctx context.Context, jobs <-chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case path := <-jobs:
			g.get(path)
		}
	}
}

func (g *loadGen) get(path string) int {
	resp, err := g.client.Get(g.base + path)
	if err != nil {
		return 0
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// draftDocs are the documents under review (doc:0 .. doc:7); editors keep
// revising them.
const draftDocs = 8

// editors starts an editing session every 3-6 s: save a draft, then poll
// it a few times the way the editor UI does.
func (g *loadGen) editors(ctx context.Context) {
	wait := randDur(time.Second, 3*time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = randDur(3*time.Second, 6*time.Second)
		go g.editSession(ctx, fmt.Sprintf("doc:%d", randIntn(draftDocs)))
	}
}

func (g *loadGen) editSession(ctx context.Context, key string) {
	body := strings.Repeat("revised text ", 20+randIntn(60))
	resp, err := g.client.Post(g.base+"/put?key="+key, "text/plain", strings.NewReader(body))
	if err != nil {
		return
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	saved := time.Now()
	for _, at := range []time.Duration{800 * time.Millisecond, 2500 * time.Millisecond, 3500 * time.Millisecond, 5 * time.Second} {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(saved.Add(at))):
		}
		if g.get("/get?key="+key) == http.StatusBadGateway {
			return // the UI shows an error and stops polling
		}
	}
}
