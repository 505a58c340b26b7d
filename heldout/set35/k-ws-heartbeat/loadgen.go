package main

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strings"
	"sync"
	"time"
)

var topicChoices = []string{"scores", "news", "markets", "alerts", "chat"}

// userLoad keeps a growing crowd of users connected. Desk users stay for
// the whole run; mobile users come and go, and some of them lose their
// network mid-session.
type userLoad struct {
	addr  string
	start time.Time

	mu     sync.Mutex
	live   int
	nextID int
}

func (u *userLoad) target() int {
	el := time.Since(u.start).Seconds()
	n := 6 + int(el*0.4)
	if n > 60 {
		n = 60
	}
	return n
}

func (u *userLoad) run(ctx context.Context) {
	t := time.NewTicker(400 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		if ctx.Err() != nil {
			return
		}
		u.mu.Lock()
		want := u.target() - u.live
		u.mu.Unlock()
		// connect at most a few per tick, like a real login wave
		for i := 0; i < want && i < 3; i++ {
			u.connect(ctx)
		}
	}
}

func (u *userLoad) connect(ctx context.Context) {
	u.mu.Lock()
	u.nextID++
	id := u.nextID
	u.live++
	u.mu.Unlock()

	var topics []string
	for _, t := range topicChoices {
		if randIntn(2) == 0 {
			topics = append(topics, t)
		}
	}
	life := 10 * time.Minute // desk user
	var muteAfter time.Duration
	if randIntn(100) >= 35 {
		life = jitter(8*time.Second, 30*time.Second) // mobile user
		if randIntn(100) < 15 && life > 12*time.Second {
			muteAfter = life - 10*time.Second
		}
	}
	go func() {
		defer func() {
			u.mu.Lock()
			u.live--
			u.mu.Unlock()
		}()
		dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		c, err := dialWS(dctx, u.addr, id, topics)
		cancel()
		if err != nil {
			pause(ctx, time.Second)
			return
		}
		c.session(ctx, life, muteAfter)
	}()
}

// publisher stands in for upstream services posting to /publish, with a
// burst every 15 s.
func publisher(ctx context.Context, base string) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 3 * time.Second}
	start := time.Now()
	for {
		gap := jitter(300*time.Millisecond, 500*time.Millisecond)
		if int(time.Since(start).Seconds())%15 < 2 {
			gap /= 5
		}
		if !pause(ctx, gap) {
			return
		}
		topic := topicChoices[randIntn(len(topicChoices))]
		body := fmt.Sprintf(`{"from":"upstream","topic":%q,"at":%d}`, topic, time.Now().UnixNano())
		resp, err := hc.Post(base+"/publish?topic="+topic, "application/json", strings.NewReader(body))
		if err != nil {
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}
