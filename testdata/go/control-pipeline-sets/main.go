// control-pipeline-sets (leak-free): each document is converted by a
// pipeline that (*Converter).convert starts: five workers that range over
// the pages, and a closer that waits for them and closes the output
// (`go func() { wg.Wait(); close(out) }()`). At the snapshots 1, 1, 2 and
// 4 pipelines are in flight (their pages are still being fetched), so the
// workers read 5 → 5 → 10 → 20 beside closers 1 → 1 → 2 → 4: goroutines
// that come five at a time. Every pipeline finishes after its snapshot;
// no goroutine outlives one.
package main

import (
	"fmt"
	"strings"
	"sync"

	"example.com/leaks/internal/snap"
)

type Page struct {
	N    int
	Text string
}

type Converter struct {
	mu    sync.Mutex
	bytes int
}

const workers = 5

// convert starts the pipeline of one document and returns its output.
func (c *Converter) convert(pages <-chan Page) <-chan string {
	out := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range pages {
				out <- strings.ToUpper(p.Text)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func (c *Converter) collect(out <-chan string) {
	n := 0
	for s := range out {
		n += len(s)
	}
	c.mu.Lock()
	c.bytes += n
	c.mu.Unlock()
}

func main() {
	snap.Start()
	c := &Converter{}
	inFlight := []int{1, 1, 2, 4}
	for k, docs := range inFlight {
		var feeds []chan Page
		var outs []<-chan string
		for d := 0; d < docs; d++ {
			pages := make(chan Page)
			feeds = append(feeds, pages)
			outs = append(outs, c.convert(pages))
		}
		snap.Settle()
		snap.Goroutines(k + 1) // the pages of these documents are still on their way
		var done sync.WaitGroup
		for d, pages := range feeds {
			done.Add(1)
			go func(out <-chan string) {
				defer done.Done()
				c.collect(out)
			}(outs[d])
			for i := 0; i < 12; i++ {
				pages <- Page{N: i, Text: fmt.Sprintf("doc %d page %d", d, i)}
			}
			close(pages)
		}
		done.Wait()
	}
	fmt.Printf("converted %d bytes\n", c.bytes)
	snap.Finish("control-pipeline-sets")
}
