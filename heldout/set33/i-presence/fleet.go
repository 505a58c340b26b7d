package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"sync"
	"time"
)

// fleet plays the users: devices log in over the run (a ramping trickle and
// a login wave every 30 s), and people open presence panels that watch
// another user.
type fleet struct {
	gwAddr  string
	apiBase string
	start   time.Time

	watchClient *http.Client
	pollClient  *http.Client

	mu       sync.Mutex
	users    []string
	devices  int
	watchers int
	nextUser int
	nextDev  int
	nextW    int
}

type fleetCounts struct{ devices, watchers int }

func newFleet(gwAddr, apiBase string) *fleet {
	return &fleet{
		gwAddr:  gwAddr,
		apiBase: apiBase,
		start:   time.Now(),
		watchClient: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
		},
		pollClient: &http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		},
	}
}

func (f *fleet) counts() fleetCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fleetCounts{devices: f.devices, watchers: f.watchers}
}

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 8; i++ {
		f.addDevice(ctx)
	}
	for i := 0; i < 3; i++ {
		f.addWatcher(ctx)
	}
	go f.dashboard(ctx)

	const step = 250 * time.Millisecond
	devTick := time.NewTicker(step)
	defer devTick.Stop()
	var carry float64
	watchTick := time.NewTicker(3 * time.Second)
	defer watchTick.Stop()
	wave := time.NewTicker(30 * time.Second)
	defer wave.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-devTick.C:
			// logins ramp up over the run: 0.4/s at start, ~1.2/s after 2 min
			carry += (0.4 + 0.006*time.Since(f.start).Seconds()) * step.Seconds()
			for ; carry >= 1; carry-- {
				f.addDevice(ctx)
			}
		case <-watchTick.C:
			f.addWatcher(ctx)
		case <-wave.C:
			for i := 0; i < 5; i++ {
				f.addDevice(ctx)
			}
		}
	}
}

func (f *fleet) addDevice(ctx context.Context) {
	f.mu.Lock()
	var user string
	if len(f.users) > 0 && randIntn(5) == 0 {
		user = f.users[randIntn(len(f.users))] // a second device
	} else {
		f.nextUser++
		user = fmt.Sprintf("u%04d", f.nextUser)
		f.users = append(f.users, user)
	}
	f.nextDev++
	d := &device{f: f, user: user, name: fmt.Sprintf("dev%d", f.nextDev), hb: randDur(4*time.Second, 10*time.Second)}
	f.devices++
	f.mu.Unlock()

	switch n := randIntn(100); {
	case n < 45:
		d.kind = kindActive
	case n < 80:
		d.kind = kindBackground
	default:
		d.kind = kindFlaky
	}
	if randIntn(4) == 0 {
		d.leave = time.Now().Add(randDur(30*time.Second, 100*time.Second))
	}
	go d.run(ctx)
}

func (f *fleet) deviceDone(d *device) {
	f.mu.Lock()
	f.devices--
	f.mu.Unlock()
}

func (f *fleet) randomUser() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.users) == 0 {
		return "u0001"
	}
	return f.users[randIntn(len(f.users))]
}

func (f *fleet) addWatcher(ctx context.Context) {
	f.mu.Lock()
	f.nextW++
	f.watchers++
	id := f.nextW
	f.mu.Unlock()
	w := &watcher{
		f:      f,
		id:     id,
		target: f.randomUser(),
		wait:   randDur(80*time.Second, 150*time.Second),
		open:   randDur(90*time.Second, 300*time.Second),
	}
	go w.run(ctx)
}

func (f *fleet) watcherDone() {
	f.mu.Lock()
	f.watchers--
	f.mu.Unlock()
}

// dashboard is an ops page refreshing the online list and a few profiles.
func (f *fleet) dashboard(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f.get(ctx, f.apiBase+"/v1/online?status=online")
		for i := 0; i < 3; i++ {
			f.get(ctx, f.apiBase+"/v1/presence?user="+f.randomUser())
		}
	}
}

func (f *fleet) get(ctx context.Context, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := f.pollClient.Do(req)
	if err != nil {
		return
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
}
