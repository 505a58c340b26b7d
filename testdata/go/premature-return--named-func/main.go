// premature-return--named-func: `go fetchQuota(user, out)` starts a named
// function; a cache hit returns before the receive.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Quota struct {
	User  string
	Limit int
}

func fetchQuota(user string, out chan<- Quota) {
	time.Sleep(time.Millisecond)
	out <- Quota{User: user, Limit: 100}
}

type QuotaService struct {
	cache map[string]Quota
}

func (s *QuotaService) Get(user string) Quota {
	out := make(chan Quota)
	go fetchQuota(user, out)
	if q, ok := s.cache[user]; ok {
		return q // the fetch is still running and will block on out
	}
	q := <-out
	s.cache[user] = q
	return q
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	s := &QuotaService{cache: map[string]Quota{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			u := fmt.Sprintf("user-%d-%d", k, i)
			s.Get(u)
			s.Get(u)
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--named-func")
}
