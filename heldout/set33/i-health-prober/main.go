// Command i-health-prober checks a fleet of TCP and HTTP backends: every
// target has a monitor that probes it on an interval with a per-attempt
// timeout, retries failed attempts with a short back-off and backs off
// further while the target stays down. State changes are published on a
// status board (with a long-poll API) and batched to an alerting webhook.
package main

import (
	"context"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
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

func jitter(d time.Duration, frac float64) time.Duration {
	rngMu.Lock()
	f := rng.Float64()
	rngMu.Unlock()
	return d + time.Duration((f*2-1)*frac*float64(d))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	board := newStatusBoard()
	probeClient := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     45 * time.Second,
		DisableCompression:  true,
	}}
	prober := NewProber(ctx, board, map[string]checker{
		"http": &httpCheck{client: probeClient},
		"tcp":  &tcpCheck{dialer: net.Dialer{KeepAlive: -1}},
	})

	a := &api{board: board, maxWait: 150 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("api: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("prober api on %s", base)

	n := &notifier{url: base + "/hooks/alerts", client: &http.Client{Timeout: 2 * time.Second}, batch: 20, linger: 5 * time.Second}
	go n.run(ctx, board.events)

	fl := newFleet()
	go fl.chaos(ctx)
	inv := &inventory{fleet: fl, prober: prober}
	go inv.run(ctx, 12, 80)

	dash := &dashboards{
		base:   base,
		board:  board,
		client: &http.Client{Timeout: 3 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	go dash.run(ctx, 3, 36)

	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-report.C:
			up, down := 0, 0
			for _, st := range board.list() {
				switch st.State {
				case "up":
					up++
				case "down":
					down++
				}
			}
			log.Printf("targets=%d up=%d down=%d attempts=%d failed=%d",
				prober.count(), up, down, atomic.LoadInt64(&prober.attempts), atomic.LoadInt64(&prober.failures))
		}
	}
}
