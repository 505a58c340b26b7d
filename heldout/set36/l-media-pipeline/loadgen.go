package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"sync/atomic"
	"time"
)

var titles = []string{"Harbor Lights", "The Long Field", "Night Shift", "Glass Orchard", "Northbound",
	"Paper Moons", "Salt and Iron", "Quiet Engines", "Tidewater", "Blue Hour"}

// uploader is the in-process client population: editors uploading
// episodes at a rate that ramps over the run, with a season drop (a batch
// of uploads at once) every 30 s, each upload then polling its job.
type uploader struct {
	base    string
	client  *http.Client
	start   time.Time
	tracked int64
	settled int64
	gaveUp  int64
}

func newUploader(base string) *uploader {
	return &uploader{
		base: base,
		client: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		},
		start: time.Now(),
	}
}

func (u *uploader) rate() float64 {
	return 0.45 + time.Since(u.start).Seconds()*0.005
}

func (u *uploader) run(ctx context.Context) {
	const step = 250 * time.Millisecond
	tick := time.NewTicker(step)
	defer tick.Stop()
	drop := time.NewTicker(30 * time.Second)
	defer drop.Stop()
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-drop.C:
			n := 4 + randIntn(4)
			for i := 0; i < n; i++ {
				go u.upload(ctx)
			}
		case <-tick.C:
			carry += u.rate() * step.Seconds()
			for ; carry >= 1; carry-- {
				go u.upload(ctx)
			}
		}
	}
}

func randomAsset() asset {
	a := asset{
		Title:    fmt.Sprintf("%s S%02dE%02d", titles[randIntn(len(titles))], 1+randIntn(4), 1+randIntn(12)),
		Seconds:  float64(20 + randIntn(160)),
		Channels: 2,
	}
	switch h := randIntn(100); {
	case h < 20:
		a.Height = 720
	case h < 75:
		a.Height = 1080
	default:
		a.Height = 2160
		a.Channels = 6
	}
	switch r := randIntn(100); {
	case r < 10:
		a.Aspect = "2.39:1"
	case r < 18:
		a.Aspect = "1.85:1"
	case r < 28:
		a.Aspect = "4:3"
	default:
		a.Aspect = "16:9"
	}
	return a
}

func (u *uploader) upload(ctx context.Context) {
	body, _ := json.Marshal(randomAsset())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.base+"/v1/assets", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := u.client.Do(req)
	if err != nil {
		return
	}
	var created struct {
		ID string `json:"id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return
	}
	atomic.AddInt64(&u.tracked, 1)
	u.follow(ctx, created.ID, 75*time.Second)
}

// follow polls the job until it settles or the client stops caring.
func (u *uploader) follow(ctx context.Context, id string, patience time.Duration) {
	giveUp := time.NewTimer(patience)
	defer giveUp.Stop()
	poll := time.NewTicker(1500 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-giveUp.C:
			if n := atomic.AddInt64(&u.gaveUp, 1); n%5 == 1 {
				log.Printf("uploader: gave up on %s after %v (%d so far)", id, patience, n)
			}
			return
		case <-poll.C:
		}
		var v jobView
		resp, err := u.client.Get(u.base + "/v1/jobs/" + id)
		if err != nil {
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&v)
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			continue
		}
		switch v.State {
		case stateDone, stateFailed, stateAborted:
			atomic.AddInt64(&u.settled, 1)
			return
		}
	}
}
