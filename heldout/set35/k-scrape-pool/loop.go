package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

var errScrapeTimeout = errors.New("scrape timed out")

// scrapeLoop scrapes one target every interval until its pool stops it.
type scrapeLoop struct {
	job      string
	url      string
	interval time.Duration
	timeout  time.Duration

	client *http.Client
	store  *head
	remote *remoteQueue
	stats  *poolStats

	cancel  context.CancelFunc
	stopped chan struct{}

	lastErr atomic.Value
}

type scrapeOutcome struct {
	lines []string
	err   error
	took  time.Duration
}

// offset spreads the targets of a job over the interval deterministically,
// so a target keeps its phase across reloads.
func (sl *scrapeLoop) offset() time.Duration {
	return time.Duration(hashString(sl.url) % uint64(sl.interval))
}

func (sl *scrapeLoop) run(ctx context.Context) {
	defer close(sl.stopped)
	select {
	case <-time.After(sl.offset()):
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(sl.interval)
	defer tick.Stop()
	for {
		sl.scrapeAndReport(ctx)
		select {
		case <-ctx.Done():
			sl.store.markStale(sl.url)
			return
		case <-tick.C:
		}
	}
}

func (sl *scrapeLoop) scrapeAndReport(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, sl.timeout)
	defer cancel()
	res := make(chan scrapeOutcome, 1)
	start := time.Now()
	go sl.fetch(sctx, res)

	var out scrapeOutcome
	select {
	case out = <-res:
	case <-sctx.Done():
		out = scrapeOutcome{err: errScrapeTimeout, took: time.Since(start)}
	}
	sl.stats.scrapes.Add(1)
	up := 1
	if out.err != nil {
		sl.stats.failures.Add(1)
		sl.lastErr.Store(out.err.Error())
		up = 0
	}
	if ctx.Err() != nil {
		return
	}
	lines := append(out.lines,
		fmt.Sprintf("up{job=%q,instance=%q} %d", sl.job, sl.url, up),
		fmt.Sprintf("scrape_duration_seconds{job=%q,instance=%q} %g", sl.job, sl.url, out.took.Seconds()))
	sl.store.append(sl.url, lines)
	sl.remote.enqueue(ctx, lines)
}

// fetch does the HTTP part of a scrape and reports on res, which has room
// for the answer whether or not anyone is still waiting.
func (sl *scrapeLoop) fetch(ctx context.Context, res chan<- scrapeOutcome) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sl.url, nil)
	if err != nil {
		res <- scrapeOutcome{err: err}
		return
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", fmt.Sprint(sl.timeout.Seconds()))
	resp, err := sl.client.Do(req)
	if err != nil {
		res <- scrapeOutcome{err: err, took: time.Since(start)}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		res <- scrapeOutcome{err: fmt.Errorf("server returned %s", resp.Status), took: time.Since(start)}
		return
	}
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	res <- scrapeOutcome{lines: lines, err: sc.Err(), took: time.Since(start)}
}

func (sl *scrapeLoop) stop() {
	sl.cancel()
	<-sl.stopped
}
