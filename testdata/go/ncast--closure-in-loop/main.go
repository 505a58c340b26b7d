// ncast--closure-in-loop: Fetch asks every mirror in a closure started in a
// loop and keeps the first answer; the channel is unbuffered, so the slower
// mirrors stay blocked on their send, two per call.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Mirror struct {
	URL   string
	Delay time.Duration
}

type Downloader struct {
	mirrors []Mirror
}

func (d *Downloader) download(m Mirror, key string) []byte {
	time.Sleep(m.Delay)
	return []byte(m.URL + "/" + key)
}

func (d *Downloader) Fetch(key string) []byte {
	ch := make(chan []byte)
	for _, m := range d.mirrors {
		go func(m Mirror) {
			ch <- d.download(m, key)
		}(m)
	}
	return <-ch
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	d := &Downloader{mirrors: []Mirror{
		{"https://a.example", time.Millisecond},
		{"https://b.example", 6 * time.Millisecond},
		{"https://c.example", 11 * time.Millisecond},
	}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			n++
			_ = d.Fetch(fmt.Sprintf("blob-%d", n))
			pool.Do(func() {})
		}
		time.Sleep(25 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ncast--closure-in-loop")
}
