package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/url"
	"time"
)

var services = []string{"api-gateway", "billing", "auth", "search", "checkout", "notifier"}

var sampleMsgs = []string{
	"request served path=/v1/orders status=200 dur=%dus",
	"cache miss key=sku:%d",
	"retrying upstream call attempt=%d",
	"user session refreshed uid=%d",
	"slow query took=%dms table=orders",
	"queue depth=%d consumer=worker-3",
	"payment authorized amount=%d currency=EUR",
	"job step finished step=%d",
}

var levels = []string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}

// agentFleet plays the log agents: the long-running production services
// log all the time, and short-lived sources (CI builds, batch jobs, pods of
// a rollout) appear at a rate that ramps over the run, log for a few
// seconds and go quiet.
type agentFleet struct {
	base   string
	client *http.Client
	start  time.Time
	seq    int
}

type logSource struct {
	stream string
	every  time.Duration
	maxN   int
	life   time.Duration // 0: runs for good
}

func newAgentFleet(base string) *agentFleet {
	return &agentFleet{
		base: base,
		client: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
	}
}

func (f *agentFleet) run(ctx context.Context) {
	for i, svc := range services {
		src := &logSource{stream: "prod/" + svc, every: randDur(150*time.Millisecond, 400*time.Millisecond), maxN: 15}
		if i < 2 {
			// the front door services are chatty
			src.every, src.maxN = randDur(80*time.Millisecond, 120*time.Millisecond), 30
		}
		go f.ship(ctx, src)
	}

	const step = 250 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	rollout := time.NewTicker(25 * time.Second)
	defer rollout.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-rollout.C:
			f.seq++
			rev := fmt.Sprintf("%x", 0xa000+f.seq*37)
			for i := 0; i < 4; i++ {
				f.spawn(ctx, fmt.Sprintf("k8s/web-%s-%d", rev, i), randDur(4*time.Second, 15*time.Second))
			}
		case <-t.C:
			el := time.Since(f.start).Seconds()
			carry += (0.2 + 0.002*el) * step.Seconds()
			for ; carry >= 1; carry-- {
				f.seq++
				switch randIntn(3) {
				case 0:
					f.spawn(ctx, fmt.Sprintf("ci/build-%d", 4100+f.seq), randDur(5*time.Second, 20*time.Second))
				case 1:
					f.spawn(ctx, fmt.Sprintf("batch/reindex-%d", f.seq), randDur(3*time.Second, 12*time.Second))
				default:
					f.spawn(ctx, fmt.Sprintf("cron/cleanup-%d", f.seq), randDur(2*time.Second, 6*time.Second))
				}
			}
		}
	}
}

func (f *agentFleet) spawn(ctx context.Context, stream string, life time.Duration) {
	src := &logSource{stream: stream, every: randDur(200*time.Millisecond, 600*time.Millisecond), maxN: 8, life: life}
	go f.ship(ctx, src)
}

// ship posts a handful of lines every src.every until the source's life
// is over.
func (f *agentFleet) ship(ctx context.Context, src *logSource) {
	if src.life > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, src.life)
		defer cancel()
	}
	t := time.NewTicker(src.every)
	defer t.Stop()
	var body bytes.Buffer
	u := f.base + "/v1/logs?stream=" + url.QueryEscape(src.stream)
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		body.Reset()
		lines := 1 + randIntn(src.maxN)
		for i := 0; i < lines; i++ {
			msg := sampleMsgs[randIntn(len(sampleMsgs))]
			fmt.Fprintf(&body, "%s "+msg+"\n", levels[randIntn(len(levels))], randIntn(10000))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body.Bytes()))
		if err != nil {
			return
		}
		resp, err := f.client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}
