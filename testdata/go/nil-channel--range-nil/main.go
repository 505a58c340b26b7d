// nil-channel--range-nil: (*Follower).follow does `for e := range f.feed`
// over a channel field that is nil unless Attach was called; followers
// created through the short constructor never get one.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Entry struct{ Index int }

type Follower struct {
	feed    chan Entry
	applied int
}

func (f *Follower) Attach(feed chan Entry) { f.feed = feed }

func (f *Follower) follow() {
	for e := range f.feed {
		f.applied = e.Index
	}
}

func StartFollower() *Follower {
	f := &Follower{}
	go f.follow()
	return f
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			StartFollower()
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--range-nil")
}
