package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// fleet simulates the apps that upload through the gateway: desktop
// clients that push chunks back to back, phones on slow links, phones
// that get backgrounded in the middle of an upload and resume later, and
// clients that simply give up. The rate of new uploads ramps up over the
// run and a camera-roll sync adds a burst every 30 s.
type fleet struct {
	base    string
	client  *http.Client // chunk traffic
	watcher *http.Client // long polls; deadlines come from the request context
	start   time.Time
	payload []byte

	seq              int64
	active, watching int64
}

func newFleet(base string) *fleet {
	payload := make([]byte, 64<<10)
	for i := range payload {
		payload[i] = byte(randIntn(256))
	}
	return &fleet{
		base: base,
		client: &http.Client{
			Timeout:   20 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 48, IdleConnTimeout: 30 * time.Second},
		},
		watcher: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 96, IdleConnTimeout: 30 * time.Second},
		},
		start:   time.Now(),
		payload: payload,
	}
}

func (f *fleet) rate() float64 {
	return 0.4 + time.Since(f.start).Seconds()*0.02
}

func (f *fleet) run(ctx context.Context) {
	const step = 250 * time.Millisecond
	tick := time.NewTicker(step)
	defer tick.Stop()
	nextSync := time.Now().Add(between(12*time.Second, 18*time.Second))
	var carry float64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			carry += f.rate() * step.Seconds()
			for ; carry >= 1; carry-- {
				f.launch(ctx, f.pickProfile())
			}
			if now.After(nextSync) {
				for i, n := 0, 5+randIntn(5); i < n; i++ {
					f.launch(ctx, profileMobile)
				}
				nextSync = now.Add(between(27*time.Second, 33*time.Second))
			}
		}
	}
}

type profile int

const (
	profileDesktop profile = iota
	profileSlowLink
	profileMobile
	profileAbandon
)

func (f *fleet) pickProfile() profile {
	switch r := randIntn(100); {
	case r < 45:
		return profileDesktop
	case r < 60:
		return profileSlowLink
	case r < 88:
		return profileMobile
	default:
		return profileAbandon
	}
}

func (f *fleet) launch(ctx context.Context, p profile) {
	u := &uploadClient{f: f, profile: p}
	n := atomic.AddInt64(&f.seq, 1)
	switch p {
	case profileDesktop:
		u.chunk, u.size = 32<<10, int64(32<<10)*int64(6+randIntn(15))
		u.gapLo, u.gapHi = 20*time.Millisecond, 200*time.Millisecond
		u.name = fmt.Sprintf("desktop/%d.raw", n)
	case profileSlowLink:
		u.chunk, u.size = 16<<10, int64(16<<10)*int64(8+randIntn(17))
		u.gapLo, u.gapHi = 1500*time.Millisecond, 4*time.Second
		u.name = fmt.Sprintf("slow/%d.mp4", n)
	case profileMobile:
		u.chunk, u.size = 24<<10, int64(24<<10)*int64(6+randIntn(12))
		u.gapLo, u.gapHi = 100*time.Millisecond, time.Second
		if randIntn(2) == 0 {
			u.pauseAt = 1 + randIntn(4)
			u.pause = between(30*time.Second, 110*time.Second)
		}
		u.name = fmt.Sprintf("phone/IMG_%04d.heic", n%10000)
	case profileAbandon:
		u.chunk, u.size = 24<<10, int64(24<<10)*int64(10+randIntn(10))
		u.gapLo, u.gapHi = 200*time.Millisecond, 3*time.Second
		u.giveUpAfter = 1 + randIntn(4)
		u.name = fmt.Sprintf("phone/VID_%04d.mov", n%10000)
	}
	u.watch = randIntn(100) < 35
	atomic.AddInt64(&f.active, 1)
	go func() {
		defer atomic.AddInt64(&f.active, -1)
		u.run(ctx)
	}()
}

var (
	errAbandoned = errors.New("client gave up")
	errConflict  = errors.New("offset conflict")
)

type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

type uploadClient struct {
	f            *fleet
	profile      profile
	name         string
	size         int64
	chunk        int
	gapLo, gapHi time.Duration
	pauseAt      int
	pause        time.Duration
	giveUpAfter  int
	watch        bool
}

func (u *uploadClient) run(ctx context.Context) {
	for attempt := 0; attempt < 2; attempt++ {
		id, err := u.create(ctx)
		if err != nil {
			if !sleepCtx(ctx, between(time.Second, 4*time.Second)) {
				return
			}
			continue
		}
		if u.watch {
			atomic.AddInt64(&u.f.watching, 1)
			go func() {
				defer atomic.AddInt64(&u.f.watching, -1)
				u.followStatus(ctx, id)
			}()
		}
		err = u.send(ctx, id)
		if err != errGone {
			return
		}
		// The session expired while we were away: start over.
	}
}

func (u *uploadClient) create(ctx context.Context) (string, error) {
	url := fmt.Sprintf("%s/v1/uploads?name=%s&size=%d&chunk=%d", u.f.base, u.name, u.size, u.chunk)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := u.f.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		io.Copy(ioutil.Discard, resp.Body)
		return "", fmt.Errorf("create: %s", resp.Status)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	return out.ID, nil
}

func (u *uploadClient) send(ctx context.Context, id string) error {
	var offset int64
	failures := 0
	for n := 0; offset < u.size; {
		switch {
		case u.giveUpAfter > 0 && n >= u.giveUpAfter:
			return errAbandoned
		case u.pause > 0 && n == u.pauseAt:
			// The app was sent to the background; when it comes back
			// it asks the server where to resume.
			if !sleepCtx(ctx, u.pause) {
				return ctx.Err()
			}
			u.pause = 0
			off, err := u.head(ctx, id)
			if err != nil {
				return err
			}
			offset = off
		case n > 0:
			if !sleepCtx(ctx, between(u.gapLo, u.gapHi)) {
				return ctx.Err()
			}
		}
		next, err := u.put(ctx, id, offset)
		var ra retryAfter
		switch {
		case err == nil:
			offset = next
			n++
			failures = 0
		case errors.Is(err, errGone):
			return err
		case errors.Is(err, errConflict):
			offset = next
		case errors.As(err, &ra):
			if !sleepCtx(ctx, time.Duration(ra)) {
				return ctx.Err()
			}
		default:
			failures++
			if failures > 5 {
				return err
			}
			if !sleepCtx(ctx, time.Duration(failures)*between(500*time.Millisecond, 1500*time.Millisecond)) {
				return ctx.Err()
			}
			if off, herr := u.head(ctx, id); herr == nil {
				offset = off
			} else if errors.Is(herr, errGone) {
				return herr
			}
		}
	}
	return nil
}

func (u *uploadClient) put(ctx context.Context, id string, offset int64) (int64, error) {
	n := int64(u.chunk)
	if rem := u.size - offset; rem < n {
		n = rem
	}
	url := fmt.Sprintf("%s/v1/uploads/%s?offset=%d", u.f.base, id, offset)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(u.f.payload[:n]))
	if err != nil {
		return offset, err
	}
	resp, err := u.f.client.Do(req)
	if err != nil {
		return offset, err
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	next, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	switch resp.StatusCode {
	case http.StatusNoContent:
		return next, nil
	case http.StatusConflict:
		return next, errConflict
	case http.StatusGone, http.StatusNotFound:
		return offset, errGone
	case http.StatusServiceUnavailable:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return offset, retryAfter(time.Duration(secs) * time.Second)
	}
	return offset, fmt.Errorf("put chunk: %s", resp.Status)
}

func (u *uploadClient) head(ctx context.Context, id string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.f.base+"/v1/uploads/"+id, nil)
	if err != nil {
		return 0, err
	}
	resp, err := u.f.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusNotFound {
		return 0, errGone
	}
	return strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
}

// followStatus is the gallery view waiting for the upload to land: it
// long-polls the session until it reaches a terminal state.
func (u *uploadClient) followStatus(ctx context.Context, id string) {
	state := stateActive.String()
	for errs := 0; errs < 5; {
		wait := between(60*time.Second, 120*time.Second)
		st, err := u.pollOnce(ctx, id, state, wait)
		switch {
		case err == errGone:
			return
		case err != nil:
			errs++
			if !sleepCtx(ctx, between(2*time.Second, 5*time.Second)) {
				return
			}
		case st == nil: // no change within wait
		default:
			state = st.State
			if s, ok := parseState(state); ok && s.terminal() {
				return
			}
		}
	}
}

func (u *uploadClient) pollOnce(ctx context.Context, id, state string, wait time.Duration) (*sessionStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, wait+10*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s/v1/uploads/%s/events?state=%s&wait=%s", u.f.base, id, state, wait.Round(time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := u.f.watcher.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent:
		return nil, nil
	case http.StatusNotFound:
		return nil, errGone
	case http.StatusOK:
		var st sessionStatus
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			return nil, err
		}
		return &st, nil
	}
	io.Copy(ioutil.Discard, resp.Body)
	return nil, fmt.Errorf("poll: %s", resp.Status)
}
