package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var commands = []string{"uptime", "df -h /", "collect-logs --since=1m", "restart-sidecar", "ls /var/run", "health"}

type job struct {
	agent string
	cmd   string
}

// dispatcher is a small worker pool that runs commands on agents through
// the tunnel; a producer picks agents from the roster.
type dispatcher struct {
	srv  *tunnelServer
	jobs chan job

	mu      sync.Mutex
	workers int
	wg      sync.WaitGroup

	ok, failed atomic.Int64
}

func newDispatcher(srv *tunnelServer, workers int) *dispatcher {
	return &dispatcher{srv: srv, jobs: make(chan job, 64), workers: workers}
}

func (d *dispatcher) start(ctx context.Context) {
	for i := 0; i < d.workers; i++ {
		d.wg.Add(1)
		go d.worker(ctx, i)
	}
	go d.produce(ctx)
}

func (d *dispatcher) worker(ctx context.Context, id int) {
	defer d.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-d.jobs:
			cctx, cancel := context.WithTimeout(ctx, 4*time.Second)
			_, err := d.srv.call(cctx, j.agent, j.cmd)
			cancel()
			if err != nil {
				d.failed.Add(1)
				continue
			}
			d.ok.Add(1)
		}
	}
}

func (d *dispatcher) produce(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(150+rand.Intn(250)) * time.Millisecond):
		}
		roster := d.srv.snapshot()
		if len(roster) == 0 {
			continue
		}
		c := roster[rand.Intn(len(roster))]
		select {
		case d.jobs <- job{agent: c.id, cmd: commands[rand.Intn(len(commands))]}:
		default:
		}
	}
}

// scaleWithFleet adds a worker for every eight connected agents.
func (d *dispatcher) scaleWithFleet(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		want := 4 + len(d.srv.snapshot())/8
		d.mu.Lock()
		for d.workers < want && d.workers < 12 {
			d.wg.Add(1)
			go d.worker(ctx, d.workers)
			d.workers++
		}
		d.mu.Unlock()
	}
}

type rosterEntry struct {
	ID       string `json:"id"`
	IdleSecs int    `json:"idle_s"`
	Events   int64  `json:"events"`
}

type adminStats struct {
	Agents   []rosterEntry `json:"agents"`
	Accepted int64         `json:"accepted"`
	Kicks    int64         `json:"kicks"`
	Resets   int64         `json:"resets"`
	Events   int64         `json:"events"`
	CmdOK    int64         `json:"cmd_ok"`
	CmdFail  int64         `json:"cmd_failed"`
}

func startAdmin(srv *tunnelServer, d *dispatcher) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/roster", func(w http.ResponseWriter, r *http.Request) {
		st := adminStats{
			Accepted: srv.accepted.Load(), Kicks: srv.kicks.Load(), Resets: srv.resets.Load(),
			Events: srv.events.Load(), CmdOK: d.ok.Load(), CmdFail: d.failed.Load(),
		}
		now := time.Now().UnixNano()
		for _, c := range srv.snapshot() {
			st.Agents = append(st.Agents, rosterEntry{
				ID: c.id, IdleSecs: int((now - c.lastSeen.Load()) / int64(time.Second)), Events: c.events.Load(),
			})
		}
		sort.Slice(st.Agents, func(i, j int) bool { return st.Agents[i].ID < st.Agents[j].ID })
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// dashboard scrapes the admin roster like an ops UI would.
func dashboard(ctx context.Context, base string, every time.Duration) {
	client := &http.Client{Timeout: 3 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/roster", nil)
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		var st adminStats
		err = json.NewDecoder(resp.Body).Decode(&st)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			continue
		}
		n++
		if n%5 == 0 {
			log.Printf("%s", fmt.Sprintf("roster: agents=%d accepted=%d kicks=%d resets=%d events=%d cmds ok=%d failed=%d",
				len(st.Agents), st.Accepted, st.Kicks, st.Resets, st.Events, st.CmdOK, st.CmdFail))
		}
	}
}
