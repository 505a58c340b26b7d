// c-event-broker: an in-process pub/sub broker for chat-room style
// traffic.
//
// Topics are created on first use and reaped after sitting empty for a
// while; each subscription gets its own pump goroutine feeding its
// handler from a buffered queue. Clients connect, join a few rooms, stay
// for a while and leave; an admin loop occasionally force-closes a room.
// Alongside: a retained-message store with a janitor, a dead-letter queue
// drained by sync.Cond workers, heartbeat links to cluster peers with a
// failure detector, and a stats reporter.
//
// Bug: Unsubscribe stops the pump and starts a goroutine that drains the
// subscription's channel "until it is closed", so in-flight publishers
// never block on a dead subscriber. Only the topic-close path ever closes
// subscription channels; a normal Unsubscribe never does, so every client
// that leaves a room on its own leaves one drain goroutine behind forever
// (steady, about two per second).
package main

import (
	"fmt"
	"log"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

const rooms = 48

func main() {
	snapkit.Start()

	logger := log.New(os.Stderr, "broker ", log.LstdFlags)

	retained := newRetainedStore(10 * time.Second)
	go retained.janitor(3 * time.Second)

	dlq := newDeadLetters(512)
	for i := 0; i < 2; i++ {
		go dlq.worker()
	}

	b := NewBroker(25*time.Millisecond, retained)
	b.OnDrop = func(m Message, reason string) {
		dlq.Add(deadLetter{topic: m.Topic, seq: m.Seq, reason: reason, at: time.Now()})
	}
	go b.reap(2*time.Second, 8*time.Second)

	det := newDetector(3 * time.Second)
	go det.run()
	for _, p := range []string{"broker-b", "broker-c", "broker-d"} {
		go peerLink(p, 500*time.Millisecond, det.beats)
	}

	for i := 0; i < 3; i++ {
		go publisher(b, i)
	}
	go presence(b)

	cl := &clients{b: b}
	go cl.arrivals()
	go admin(b, logger)

	go func() {
		t := time.NewTicker(20 * time.Second)
		defer t.Stop()
		for range t.C {
			st := b.Stats()
			pending, handled, discarded := dlq.Counts()
			alive, suspect := det.Alive()
			logger.Printf("topics=%d subs=%d published=%d timeouts=%d clients=%d dlq=%d/%d/%d retained=%d peers=%d/%d",
				st.Topics, st.Subs, st.Published, st.TimedOut, cl.Online(),
				pending, handled, discarded, retained.Len(), alive, suspect)
		}
	}()

	select {}
}

func roomName(i int) string { return fmt.Sprintf("room.%02d", i) }

// publisher posts chat messages to rooms; busy rooms get more traffic.
func publisher(b *Broker, id int) {
	z := rand.NewZipf(rand.New(rand.NewSource(time.Now().UnixNano()+int64(id))), 1.3, 2, rooms-1)
	for seq := 0; ; seq++ {
		time.Sleep(time.Duration(25+rand.Intn(50)) * time.Millisecond)
		room := roomName(int(z.Uint64()))
		b.Publish(room, []byte(fmt.Sprintf("p%d-%d says hi", id, seq)))
	}
}

// presence publishes a periodic roster update to the lobby.
func presence(b *Broker) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for now := range t.C {
		b.Publish("lobby", []byte(now.Format(time.RFC3339)))
	}
}

// admin occasionally closes a room (moderation), which ends every
// subscription in it.
func admin(b *Broker, l *log.Logger) {
	for {
		time.Sleep(time.Duration(15+rand.Intn(15)) * time.Second)
		room := roomName(rand.Intn(rooms))
		if n := b.CloseTopic(room); n > 0 {
			l.Printf("closed %s (%d subscribers)", room, n)
		}
	}
}

type clients struct {
	b      *Broker
	online int64
	nextID int64
}

func (c *clients) Online() int64 { return atomic.LoadInt64(&c.online) }

func (c *clients) arrivals() {
	for {
		time.Sleep(time.Duration(500+rand.Intn(1000)) * time.Millisecond)
		id := atomic.AddInt64(&c.nextID, 1)
		go c.session(id)
	}
}

// session is one connected client: it joins the lobby and a couple of
// rooms, stays a while, and then disconnects.
func (c *clients) session(id int64) {
	atomic.AddInt64(&c.online, 1)
	defer atomic.AddInt64(&c.online, -1)

	var mu sync.Mutex
	seen := 0
	slow := rand.Intn(10) == 0
	handler := func(m Message) {
		if slow {
			time.Sleep(time.Duration(5+rand.Intn(40)) * time.Millisecond)
		}
		mu.Lock()
		seen += len(m.Payload)
		mu.Unlock()
	}

	subs := []*Subscription{c.b.Subscribe("lobby", 16, handler)}
	for n := rand.Intn(3); n > 0; n-- {
		subs = append(subs, c.b.Subscribe(roomName(rand.Intn(rooms)), 32, handler))
	}

	// Plenty of people just peek in and leave again.
	d := time.Duration(8+rand.Intn(37)) * time.Second
	if rand.Intn(10) < 3 {
		d = time.Duration(1000+rand.Intn(5000)) * time.Millisecond
	}
	stay := time.NewTimer(d)
	defer stay.Stop()
	<-stay.C

	for _, s := range subs {
		c.b.Unsubscribe(s)
	}
}
