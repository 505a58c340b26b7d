// ncast--oneline-closure: `go func(r Replica) { ch <- r.Get(key) }(r)` in
// a loop over 3 replicas, then a single `return <-ch`: 2 senders per call
// stay blocked (+10 per snapshot).
package main

import (
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Replica struct {
	Name  string
	Delay time.Duration
}

func (r Replica) Get(key string) string {
	time.Sleep(r.Delay)
	return r.Name + ":" + key
}

func readAny(replicas []Replica, key string) string {
	ch := make(chan string)
	for _, r := range replicas {
		go func(r Replica) { ch <- r.Get(key) }(r)
	}
	return <-ch
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	reps := []Replica{{"a", time.Millisecond}, {"b", 4 * time.Millisecond}, {"c", 6 * time.Millisecond}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			readAny(reps, "user:42")
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ncast--oneline-closure")
}
