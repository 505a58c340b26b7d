// sql-not-closed--helper-pkg: sql.Open is behind a helper in another
// package of the module (internal/store.Open); the user's report job
// opens a store per run and never calls Close.
package main

import (
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
	"example.com/leaks/internal/store"
)

func nightlyReport(region string) (int64, error) {
	s, err := store.Open("region=" + region)
	if err != nil {
		return 0, err
	}
	// BUG: missing defer s.Close()
	return s.Count("orders")
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			if _, err := nightlyReport(fmt.Sprintf("r%d", i)); err != nil {
				fmt.Println(err)
			}
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-not-closed--helper-pkg")
}
