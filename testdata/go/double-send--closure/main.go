// double-send--closure: the worker closure reports a parse error and, with
// no return after it, also sends the value; Parse reads one answer only, so
// every failed parse leaves the closure blocked on its second send.
package main

import (
	"fmt"
	"strconv"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type answer struct {
	n   int
	err error
}

func Parse(text string) (int, error) {
	out := make(chan answer)
	go func() {
		n, err := strconv.Atoi(text)
		if err != nil {
			out <- answer{err: fmt.Errorf("parse %q: %w", text, err)}
		}
		out <- answer{n: n}
	}()
	a := <-out
	return a.n, a.err
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			n++
			text := strconv.Itoa(n)
			if i%2 == 1 {
				text = "x" + text
			}
			_, _ = Parse(text)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("double-send--closure")
}
