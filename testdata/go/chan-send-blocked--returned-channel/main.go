// chan-send-blocked--returned-channel: (*Index).Scan makes a channel,
// starts the named producer scanRange that sends every matching key on
// it, and returns the channel to its caller. lookupFirst takes the first
// key and returns, so each producer stays blocked on its next send. Scan
// returning is how the producer is built (it hands the channel over), not
// an early exit: the consumer stopped reading.
package main

import (
	"sort"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Index struct {
	keys []string
}

func (ix *Index) scanRange(prefix string, out chan<- string) {
	i := sort.SearchStrings(ix.keys, prefix)
	for ; i < len(ix.keys) && strings.HasPrefix(ix.keys[i], prefix); i++ {
		out <- ix.keys[i]
	}
	close(out)
}

// Scan streams the keys with the prefix, in order.
func (ix *Index) Scan(prefix string) <-chan string {
	out := make(chan string)
	go ix.scanRange(prefix, out)
	return out
}

func lookupFirst(ix *Index, prefix string) (string, bool) {
	for k := range ix.Scan(prefix) {
		return k, true
	}
	return "", false
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ix := &Index{}
	for _, p := range []string{"user/", "order/", "item/"} {
		for i := 0; i < 5; i++ {
			ix.keys = append(ix.keys, p+string(rune('a'+i)))
		}
	}
	sort.Strings(ix.keys)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			lookupFirst(ix, "order/")
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--returned-channel")
}
