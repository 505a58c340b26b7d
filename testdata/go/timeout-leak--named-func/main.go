// timeout-leak--named-func: `go render(tpl, out)` starts a named function
// and the caller gives up on time.After; render then blocks on its send.
package main

import (
	"errors"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

var errTimeout = errors.New("render timed out")

func render(tpl string, out chan<- string) {
	if strings.HasPrefix(tpl, "big") {
		time.Sleep(50 * time.Millisecond)
	}
	out <- strings.ToUpper(tpl)
}

func renderWithin(tpl string, d time.Duration) (string, error) {
	out := make(chan string)
	go render(tpl, out)
	select {
	case s := <-out:
		return s, nil
	case <-time.After(d):
		return "", errTimeout
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			tpl := "small"
			if i%2 == 0 {
				tpl = "big-report"
			}
			if _, err := renderWithin(tpl, 15*time.Millisecond); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(70 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("timeout-leak--named-func")
}
