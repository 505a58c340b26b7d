package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

type manifest struct {
	JobID  string
	URL    string
	Poster string
	Body   string
}

func buildManifest(jobID string, renditions []renditionResult, th thumbResult) manifest {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n")
	for _, r := range renditions {
		var bw int64
		if r.Segments > 0 {
			bw = r.Bytes * 8 / int64(r.Segments) / int64(segmentLength/time.Second)
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,NAME=%q\n%s/index.m3u8\n", bw, r.Rung, r.Rung)
	}
	m := manifest{JobID: jobID, URL: "https://vod.cdn.example/" + jobID + "/master.m3u8", Body: b.String()}
	if th.err == nil {
		m.Poster = th.URL
	}
	return m
}

type publishReq struct {
	m   manifest
	ack chan error
}

// publisher pushes finished manifests to the CDN origin shields, one at a
// time, each push going to every shield in parallel.
type publisher struct {
	in      chan publishReq
	shields []string
}

func newPublisher(queue int) *publisher {
	return &publisher{
		in:      make(chan publishReq, queue),
		shields: []string{"shield-fra", "shield-iad", "shield-sin"},
	}
}

func (p *publisher) Publish(ctx context.Context, m manifest) error {
	req := publishReq{m: m, ack: make(chan error, 1)}
	select {
	case p.in <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *publisher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-p.in:
			req.ack <- p.push(ctx, req.m)
		}
	}
}

func (p *publisher) push(ctx context.Context, m manifest) error {
	var wg sync.WaitGroup
	errs := make([]error, len(p.shields))
	for i, s := range p.shields {
		wg.Add(1)
		go func(i int, shield string) {
			defer wg.Done()
			t := time.NewTimer(jitter(40*time.Millisecond, 0.5))
			defer t.Stop()
			select {
			case <-ctx.Done():
				errs[i] = ctx.Err()
			case <-t.C:
				if randIntn(200) == 0 {
					errs[i] = fmt.Errorf("%s: 503 from origin", shield)
				}
			}
		}(i, s)
	}
	wg.Wait()
	var failed int
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed == len(errs) {
		return errors.New("no shield accepted the manifest")
	}
	return nil
}
