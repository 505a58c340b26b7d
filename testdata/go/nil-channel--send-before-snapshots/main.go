// nil-channel--send-before-snapshots: a notifier's listeners are looked up
// in a map by topic; notifications for topics that no listener has joined
// yet (during startup, before the first snapshot) find no channel and their
// goroutines send on nil forever. Afterwards every topic has a listener,
// so the group holds at the same count in every snapshot: stuck for good,
// not growing.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type notifier struct {
	mu        sync.Mutex
	listeners map[string]chan string
}

func (n *notifier) join(topic string) {
	c := make(chan string, 64)
	n.mu.Lock()
	n.listeners[topic] = c
	n.mu.Unlock()
	go func() {
		for range c {
		}
	}()
}

func (n *notifier) notify(topic, msg string) {
	n.mu.Lock()
	c := n.listeners[topic]
	n.mu.Unlock()
	go func() { c <- msg }()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	n := &notifier{listeners: map[string]chan string{}}
	topics := []string{"deploys", "alerts", "audit"}
	// Startup: six notifications arrive before the listeners join.
	for i := 0; i < 6; i++ {
		n.notify(topics[i%len(topics)], fmt.Sprintf("early-%d", i))
	}
	for _, t := range topics {
		n.join(t)
	}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n.notify(topics[i%len(topics)], fmt.Sprintf("msg-%d-%d", k, i))
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--send-before-snapshots")
}
