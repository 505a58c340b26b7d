// ticker-not-stopped--method-value: `refresh := f.refreshLoop; go refresh()`
// where refreshLoop does `t := time.NewTicker(time.Minute); for range t.C`;
// dropped feeds keep their tickers and goroutines.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Feed struct {
	symbol string
	mu     sync.Mutex
	ticks  int
}

func (f *Feed) refreshLoop() {
	t := time.NewTicker(time.Minute)
	for range t.C {
		f.mu.Lock()
		f.ticks++
		f.mu.Unlock()
	}
}

func Subscribe(symbol string) *Feed {
	f := &Feed{symbol: symbol}
	refresh := f.refreshLoop
	go refresh()
	return f
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			f := Subscribe(fmt.Sprintf("S%d", i))
			pool.Do(func() { _ = f.symbol })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ticker-not-stopped--method-value")
}
