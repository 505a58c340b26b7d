// chan-send-blocked--method-value: the sender is started through a method
// value (`send := b.publish; go send(ev)`) and blocks on a channel held in
// a struct field; the single subscriber unsubscribed after the first
// events.
package main

import (
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Event struct {
	Topic string
	Seq   int
}

type Broker struct {
	sub  chan Event
	seen int
	gone chan struct{}
}

func (b *Broker) publish(ev Event) {
	b.sub <- ev // nobody reads after the subscriber left
}

func (b *Broker) subscriber(limit int) {
	defer close(b.gone)
	for ev := range b.sub {
		b.seen += ev.Seq
		if b.seen >= limit {
			return
		}
	}
}

func (b *Broker) Emit(topic string, seq int) {
	send := b.publish
	go send(Event{Topic: topic, Seq: seq})
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(4)
	b := &Broker{sub: make(chan Event), gone: make(chan struct{})}
	go b.subscriber(1)
	b.Emit("boot", 1)
	<-b.gone
	seq := 1
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			seq++
			b.Emit(fmt.Sprintf("orders.%d", i), seq)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--method-value")
}
