// control-longpoll-timeout (leak-free): clients long-poll for updates; each
// poll is a goroutine in waitForUpdate that waits for the next update of
// its topic or for its context's deadline (3 s), whichever comes first.
// No update is published while the snapshots are taken, so every poll ends
// by its deadline. Polls rise with the load, 8 → 16 → 24 per 2 s, the
// snapshots 2 s apart: the group grows 8 → 24 → 40, and the polls of the
// first snapshot, still waiting at the second snapshot, have timed out and
// exited by the third.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

type Update struct {
	Topic string
	Rev   int
}

type Broker struct {
	mu   sync.Mutex
	subs map[string][]chan Update
}

func (b *Broker) subscribe(topic string) chan Update {
	ch := make(chan Update, 1)
	b.mu.Lock()
	b.subs[topic] = append(b.subs[topic], ch)
	b.mu.Unlock()
	return ch
}

func (b *Broker) unsubscribe(topic string, ch chan Update) {
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := b.subs[topic]
	for i, c := range subs {
		if c == ch {
			b.subs[topic] = append(subs[:i], subs[i+1:]...)
			return
		}
	}
}

var timeouts atomic.Int64

func waitForUpdate(ctx context.Context, b *Broker, topic string) (Update, error) {
	ch := b.subscribe(topic)
	defer b.unsubscribe(topic, ch)
	select {
	case u := <-ch:
		return u, nil
	case <-ctx.Done():
		return Update{}, ctx.Err()
	}
}

func poll(b *Broker, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := waitForUpdate(ctx, b, topic); errors.Is(err, context.DeadlineExceeded) {
		timeouts.Add(1)
	}
}

func main() {
	snap.Start()
	b := &Broker{subs: map[string][]chan Update{}}
	start := time.Now()
	for k := 1; k <= 3; k++ {
		time.Sleep(time.Until(start.Add(time.Duration(k-1) * 2 * time.Second)))
		for i := 0; i < 8*k; i++ {
			go poll(b, fmt.Sprintf("topic-%d", i%5))
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("snapshot %d at %s: %d timed out\n", k, time.Since(start).Round(10*time.Millisecond), timeouts.Load())
	}
	snap.Finish("control-longpoll-timeout")
}
