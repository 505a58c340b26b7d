package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// inventory plays the service registry: it brings new backends up and
// registers them with the prober as the fleet scales out (a dozen at
// first, one more every 2 s), and decommissions one now and then.
type inventory struct {
	fleet  *fleet
	prober *Prober
	seq    int
}

func (inv *inventory) addOne() {
	inv.seq++
	kind := "http"
	if inv.seq%2 == 0 {
		kind = "tcp"
	}
	name := fmt.Sprintf("%s-%s-%02d", []string{"api", "cache", "queue", "auth", "search"}[inv.seq%5], kind, inv.seq)
	b, err := inv.fleet.launch(name, kind)
	if err != nil {
		log.Printf("inventory: %s: %v", name, err)
		return
	}
	t := Target{
		Name:     name,
		Kind:     kind,
		Addr:     b.addr(),
		Timeout:  time.Duration(700+randIntn(500)) * time.Millisecond,
		Interval: time.Duration(4+randIntn(5)) * time.Second,
	}
	if kind == "http" {
		t.Timeout += 500 * time.Millisecond
	}
	inv.prober.Register(t)
}

func (inv *inventory) run(ctx context.Context, initial, max int) {
	for i := 0; i < initial; i++ {
		inv.addOne()
	}
	scale := time.NewTicker(2 * time.Second)
	defer scale.Stop()
	retire := time.NewTimer(30 * time.Second)
	defer retire.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-scale.C:
			if inv.prober.count() < max {
				inv.addOne()
			}
		case <-retire.C:
			if b := inv.fleet.pick(); b != nil {
				log.Printf("inventory: decommissioning %s", b.name)
				inv.prober.Deregister(b.name)
				go inv.fleet.decommission(b.name)
			}
			retire.Reset(time.Duration(10+randIntn(10)) * time.Second)
		}
	}
}

// dashboards are on-call consoles that follow individual targets by
// long-polling /v1/wait. More of them open as the run goes on; some are
// closed again after a while.
type dashboards struct {
	base   string
	board  *statusBoard
	client *http.Client

	mu    sync.Mutex
	polls int
}

func (d *dashboards) run(ctx context.Context, initial, max int) {
	var wg sync.WaitGroup
	open := func() {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if randIntn(3) == 0 {
			cctx, cancel = context.WithTimeout(ctx, time.Duration(40+randIntn(80))*time.Second)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			d.follow(cctx)
		}()
	}
	for i := 0; i < initial; i++ {
		open()
	}
	opened := initial
	tick := time.NewTicker(4 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
			if opened < max || randIntn(3) == 0 {
				open()
				opened++
			}
		}
	}
}

func (d *dashboards) follow(ctx context.Context) {
	var target, state string
	for ctx.Err() == nil {
		if target == "" {
			names := d.board.names()
			if len(names) == 0 {
				if !sleepCtx(ctx, time.Second) {
					return
				}
				continue
			}
			target, state = names[randIntn(len(names))], "unknown"
		}
		q := url.Values{
			"target":  {target},
			"state":   {state},
			"timeout": {strconv.Itoa(60 + randIntn(90))},
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/v1/wait?"+q.Encode(), nil)
		resp, err := d.client.Do(req)
		if err != nil {
			if !sleepCtx(ctx, 2*time.Second) {
				return
			}
			continue
		}
		var st targetStatus
		derr := json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		d.mu.Lock()
		d.polls++
		d.mu.Unlock()
		if resp.StatusCode == http.StatusNotFound {
			target = "" // decommissioned: follow another one
			continue
		}
		if derr != nil {
			if !sleepCtx(ctx, time.Second) {
				return
			}
			continue
		}
		state = st.State
	}
}
