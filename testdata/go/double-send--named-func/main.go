// double-send--named-func: `go convert(doc, res)`: convert sends its error
// and falls through to the second send, which blocks once the caller took
// the error and left.
package main

import (
	"fmt"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type outcome struct {
	text string
	err  error
}

func convert(doc string, res chan<- outcome) {
	if strings.TrimSpace(doc) == "" {
		res <- outcome{err: fmt.Errorf("empty document")}
	}
	res <- outcome{text: strings.ToUpper(doc)}
}

func Convert(doc string) (string, error) {
	res := make(chan outcome)
	go convert(doc, res)
	o := <-res
	return o.text, o.err
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			Convert("hello")
			if _, err := Convert("   "); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("double-send--named-func")
}
