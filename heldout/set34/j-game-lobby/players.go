package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var errNoMatch = errors.New("queue timed out")

// population simulates the game clients: players arrive at a rate that
// ramps up over the first two minutes, queue, play, requeue a few times and
// log off when their session ends. Every 30 s a party of friends queues
// squad together.
type population struct {
	base    string
	modes   map[string]*modeSpec
	tr      *http.Transport
	clients map[string]*http.Client // per mode: queue timeout just past the mode's max queue time
	plain   *http.Client
	start   time.Time

	rndMu sync.Mutex
	rnd   *rand.Rand

	online, joined, matched, gaveUp atomic.Int64
	seq                             atomic.Int64
}

func newPopulation(base string, modes map[string]*modeSpec) *population {
	tr := &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     60 * time.Second,
	}
	p := &population{
		base:    base,
		modes:   modes,
		tr:      tr,
		clients: make(map[string]*http.Client),
		plain:   &http.Client{Transport: tr, Timeout: 10 * time.Second},
		start:   time.Now(),
		rnd:     rand.New(rand.NewSource(time.Now().UnixNano())),
	}
	for name, m := range modes {
		p.clients[name] = &http.Client{Transport: tr, Timeout: m.maxQueue + 10*time.Second}
	}
	return p
}

func (p *population) intn(n int) int {
	p.rndMu.Lock()
	defer p.rndMu.Unlock()
	return p.rnd.Intn(n)
}

func (p *population) norm(mean, sd float64) float64 {
	p.rndMu.Lock()
	defer p.rndMu.Unlock()
	return mean + sd*p.rnd.NormFloat64()
}

func (p *population) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(p.intn(int((hi-lo)/time.Millisecond)+1))*time.Millisecond
}

// arrivalGap shrinks from 2.4 s to 0.5 s over the first 120 s.
func (p *population) arrivalGap() time.Duration {
	f := time.Since(p.start).Seconds() / 120
	if f > 1 {
		f = 1
	}
	gap := 2400 - f*1900
	return time.Duration(gap*(0.6+0.8*float64(p.intn(1000))/1000)) * time.Millisecond
}

func (p *population) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()

	login := func(pl *player) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pl.run(ctx)
		}()
	}
	for i := 0; i < 10; i++ {
		login(p.newPlayer("", 0))
	}

	arrive := time.NewTimer(p.arrivalGap())
	defer arrive.Stop()
	party := time.NewTicker(30 * time.Second)
	defer party.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-arrive.C:
			login(p.newPlayer("", 0))
			arrive.Reset(p.arrivalGap())
		case <-party.C:
			// Friends queue the same playlist at about the same rating.
			mode, size := "squad", 4
			if p.intn(3) == 0 {
				mode, size = "raid", 5
			}
			r := p.norm(1500, 250)
			for i := 0; i < size; i++ {
				login(p.newPlayer(mode, r+p.norm(0, 40)))
			}
		}
	}
}

type player struct {
	pop     *population
	name    string
	rating  float64
	fixed   string // a party member sticks to the party's mode
	afk     bool
	session time.Duration
}

func (p *population) newPlayer(mode string, rating float64) *player {
	n := p.seq.Add(1)
	if rating == 0 {
		rating = p.norm(1500, 300)
	}
	return &player{
		pop:     p,
		name:    fmt.Sprintf("p%05d", n),
		rating:  rating,
		fixed:   mode,
		afk:     p.intn(100) < 8,
		session: p.between(100*time.Second, 320*time.Second),
	}
}

func (pl *player) pickMode() *modeSpec {
	if pl.fixed != "" {
		return pl.pop.modes[pl.fixed]
	}
	switch n := pl.pop.intn(100); {
	case n < 34:
		return pl.pop.modes["duel"]
	case n < 62:
		return pl.pop.modes["squad"]
	case n < 86:
		return pl.pop.modes["ranked"]
	default:
		return pl.pop.modes["raid"]
	}
}

func (pl *player) run(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, pl.session)
	defer cancel()
	pl.pop.online.Add(1)
	pl.pop.joined.Add(1)
	defer pl.pop.online.Add(-1)

	for ctx.Err() == nil {
		mode := pl.pickMode()
		qr, err := pl.queue(ctx, mode)
		if err != nil {
			if errors.Is(err, errNoMatch) {
				pl.pop.gaveUp.Add(1)
				if pl.pop.intn(100) < 35 {
					return // rage quit
				}
				if sleepCtx(ctx, pl.pop.between(10*time.Second, 40*time.Second)) != nil {
					return
				}
				continue
			}
			if ctx.Err() == nil {
				log.Printf("%s: queue %s: %v", pl.name, mode.name, err)
				sleepCtx(ctx, 5*time.Second)
			}
			continue
		}
		pl.pop.matched.Add(1)
		pl.play(ctx, mode, qr)

		// Looking at the post-game screen before the next queue.
		browse := time.NewTimer(pl.pop.between(2*time.Second, 9*time.Second))
		<-browse.C
	}
}

func (pl *player) queue(ctx context.Context, mode *modeSpec) (queueReply, error) {
	wait := mode.maxQueue
	if pl.pop.intn(100) < 25 {
		wait = pl.pop.between(20*time.Second, mode.maxQueue)
	}
	v := url.Values{
		"player": {pl.name},
		"mode":   {mode.name},
		"rating": {strconv.FormatFloat(pl.rating, 'f', 0, 64)},
		"wait":   {wait.String()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pl.pop.base+"/v1/queue?"+v.Encode(), nil)
	if err != nil {
		return queueReply{}, err
	}
	resp, err := pl.pop.clients[mode.name].Do(req)
	if err != nil {
		return queueReply{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var qr queueReply
		err := json.NewDecoder(resp.Body).Decode(&qr)
		return qr, err
	case http.StatusNoContent:
		return queueReply{}, errNoMatch
	default:
		io.Copy(io.Discard, resp.Body)
		return queueReply{}, fmt.Errorf("queue: %s", resp.Status)
	}
}

// play is one game from the client's side: play until done (or forfeit
// early), report the result, then wait on the post-game screen for the
// final scoreboard. AFK players never report and only wait.
func (pl *player) play(ctx context.Context, mode *modeSpec, qr queueReply) {
	if !pl.afk {
		forfeit := pl.pop.intn(100) < 6
		d := pl.pop.between(mode.playMin, mode.playMax)
		if forfeit {
			d = pl.pop.between(3*time.Second, 15*time.Second)
		}
		if !pl.playFor(ctx, d) {
			return
		}
		result := "loss"
		switch {
		case forfeit:
			result = "forfeit"
		case pl.pop.intn(2) == 0:
			result = "win"
		}
		if err := pl.report(ctx, qr.Match, result); err != nil || forfeit {
			return
		}
	}
	pl.awaitBoard(ctx, qr)
}

// playFor is the game itself; false if the session ended meanwhile.
func (pl *player) playFor(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

func (pl *player) report(ctx context.Context, id, result string) error {
	v := url.Values{"id": {id}, "player": {pl.name}, "result": {result}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pl.pop.base+"/v1/match/report?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := pl.pop.plain.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("report: %s", resp.Status)
	}
	return nil
}

func (pl *player) awaitBoard(ctx context.Context, qr queueReply) {
	ctx, cancel := context.WithDeadline(ctx, qr.Deadline.Add(15*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pl.pop.base+"/v1/match/wait?id="+url.QueryEscape(qr.Match), nil)
	if err != nil {
		return
	}
	resp, err := pl.pop.tr.RoundTrip(req)
	if err != nil {
		return
	}
	var b scoreboard
	json.NewDecoder(resp.Body).Decode(&b)
	resp.Body.Close()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
