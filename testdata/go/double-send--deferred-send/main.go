// double-send--deferred-send: the build goroutine reports its summary in a
// deferred send, and its error path also sends the error before returning;
// the caller reads one value, so failed builds block in the deferred send.
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type result struct {
	target string
	err    error
}

func compile(target string) error {
	if strings.HasSuffix(target, "_test") {
		return errors.New("no test main")
	}
	return nil
}

func build(target string, results chan<- result) {
	defer func() {
		results <- result{target: target}
	}()
	if err := compile(target); err != nil {
		results <- result{target: target, err: err}
		return
	}
}

func buildOne(target string) error {
	results := make(chan result)
	go build(target, results)
	r := <-results
	return r.err
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 15; i++ {
			t := fmt.Sprintf("pkg%d_%d", k, i)
			if i%3 != 0 {
				t += "_test"
			}
			_ = buildOne(t)
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("double-send--deferred-send")
}
