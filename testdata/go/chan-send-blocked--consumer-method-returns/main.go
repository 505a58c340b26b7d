// chan-send-blocked--consumer-method-returns: search starts a scanner that
// sends every row on s.rows, then returns s.first(), which ranges over the
// rows and stops at the first match: the scanner blocks on its next send.
package main

import (
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type scan struct {
	rows chan string
	want string
}

func (s *scan) produce(table []string) {
	for _, r := range table {
		s.rows <- r
	}
	close(s.rows)
}

func (s *scan) first() (string, bool) {
	for r := range s.rows {
		if strings.Contains(r, s.want) {
			return r, true
		}
	}
	return "", false
}

func search(table []string, want string) (string, bool) {
	s := &scan{rows: make(chan string), want: want}
	go s.produce(table)
	return s.first()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	table := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 15; i++ {
			want := "zeta"
			if i%3 != 0 {
				want = "beta" // found early: the scanner is left blocked
			}
			_, _ = search(table, want)
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--consumer-method-returns")
}
