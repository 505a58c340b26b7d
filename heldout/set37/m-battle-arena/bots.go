package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// botFleet plays the clients: bots ask the matchmaker for an arena, connect,
// move around and chat, answer pings, and leave after their session.
type botFleet struct {
	addr   string
	apiURL string
	client *http.Client

	active, started, finished atomic.Int64
}

func newBotFleet(addr, apiURL string) *botFleet {
	return &botFleet{addr: addr, apiURL: apiURL, client: &http.Client{Timeout: 3 * time.Second}}
}

func (f *botFleet) run(ctx context.Context) {
	start := time.Now()
	for i := 0; i < 10; i++ {
		go f.bot(ctx, i)
	}
	n := 10
	for {
		// arrivals ramp from ~1/s to ~4/s over the run
		el := time.Since(start).Seconds()
		rate := 1.0 + el/45
		wait := time.Duration(float64(time.Second) / rate * (0.5 + rand.Float64()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		go f.bot(ctx, n)
		n++
	}
}

func (f *botFleet) join() (string, error) {
	resp, err := f.client.Get(f.apiURL + "/match")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var m struct{ Arena string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return "", err
	}
	return m.Arena, nil
}

func (f *botFleet) bot(ctx context.Context, n int) {
	f.started.Add(1)
	f.active.Add(1)
	defer f.active.Add(-1)
	defer f.finished.Add(1)

	arena, err := f.join()
	if err != nil {
		return
	}
	c, err := net.DialTimeout("tcp", f.addr, 3*time.Second)
	if err != nil {
		return
	}
	defer c.Close()

	var wmu sync.Mutex
	write := func(s string) error {
		wmu.Lock()
		defer wmu.Unlock()
		c.SetWriteDeadline(time.Now().Add(3 * time.Second))
		_, err := c.Write([]byte(s + "\n"))
		return err
	}
	if err := write(fmt.Sprintf("HELLO bot%d %s", n, arena)); err != nil {
		return
	}

	// session length: most bots play 20-100 s, a fifth stay for the season
	life := time.Duration(20+rand.Intn(80)) * time.Second
	if rand.Intn(5) == 0 {
		life = 10 * time.Minute
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		r := bufio.NewReader(c)
		for {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "PING ") {
				if write("PONG "+strings.TrimSpace(line[5:])) != nil {
					return
				}
			}
		}
	}()

	end := time.NewTimer(life)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-gone:
			return
		case <-end.C:
			if rand.Intn(4) > 0 { // the rest just drop (app killed, network gone)
				write("BYE")
			}
			c.Close()
			<-gone
			return
		case <-time.After(time.Duration(200+rand.Intn(600)) * time.Millisecond):
			var err error
			if rand.Intn(20) == 0 {
				err = write("SAY gg")
			} else {
				err = write(fmt.Sprintf("MOVE %d %d", rand.Intn(3)-1, rand.Intn(3)-1))
			}
			if err != nil {
				return
			}
		}
	}
}

type matchmaker struct{ srv *gameServer }

func (m *matchmaker) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/match", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(struct{ Arena string }{m.srv.pickArena()})
	})
	mux.HandleFunc("/admin/stats", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(m.srv.stats())
	})
	return mux
}

func scrapeAdmin(ctx context.Context, apiURL string) {
	c := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := c.Get(apiURL + "/admin/stats")
		if err != nil {
			continue
		}
		var st serverStats
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
	}
}
