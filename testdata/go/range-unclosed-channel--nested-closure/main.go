// range-unclosed-channel--nested-closure: (*Pipeline).Build has seven
// function literals; the seventh, run, starts `go func() { for s := range in
// { ... } }()`, so the consumer is Build.func7.1, created by Build.func7.
// Build sends its stages and never closes the channel. Strings and
// comments contain `<-`.
package main

import (
	"errors"
	"sort"
	"strings"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Pipeline struct {
	mu   sync.Mutex
	seen []string
}

func (p *Pipeline) Build(stages []string) error {
	byName := func(i, j int) bool { return stages[i] < stages[j] }
	sort.Slice(stages, byName)
	trim := func(s string) string { return strings.TrimSpace(s) }
	upper := func(s string) string { return strings.ToUpper(s) }
	hooks := []func(){func() {}, func() {}}
	validate := func() error {
		for _, s := range stages {
			if strings.Contains(s, "<-") { // "a <- b" is not a stage name
				return errors.New("bad stage")
			}
		}
		return nil
	}
	run := func(in <-chan string) {
		go func() {
			for s := range in {
				p.mu.Lock()
				p.seen = append(p.seen, upper(trim(s)))
				p.mu.Unlock()
			}
		}()
	}
	if err := validate(); err != nil {
		return err
	}
	for _, h := range hooks {
		h()
	}
	ch := make(chan string)
	run(ch)
	for _, s := range stages {
		ch <- s
	}
	return nil // ch <- is done, but close(ch) is missing
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	p := &Pipeline{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			p.Build([]string{" parse ", " plan ", " exec "})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("range-unclosed-channel--nested-closure")
}
