// chan-receive-blocked--oneline-closure: newBatchWriter starts a one-line
// closure `go func() { <-w.stop; w.flush() }()` that flushes the batch when
// the writer is closed; (*Importer).importFile returns on a parse error
// without calling w.Close, so nobody ever closes w.stop.
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type batchWriter struct {
	name    string
	rows    []string
	stop    chan struct{}
	flushed func(name string, n int)
}

func newBatchWriter(name string, flushed func(string, int)) *batchWriter {
	w := &batchWriter{name: name, stop: make(chan struct{}), flushed: flushed}
	go func() { <-w.stop; w.flush() }()
	return w
}

func (w *batchWriter) Add(row string) { w.rows = append(w.rows, row) }
func (w *batchWriter) flush()         { w.flushed(w.name, len(w.rows)) }

// Close flushes the batch.
func (w *batchWriter) Close() { close(w.stop) }

type Importer struct {
	done chan string
}

func (im *Importer) importFile(name, body string) error {
	w := newBatchWriter(name, func(n string, rows int) { im.done <- n })
	for i, line := range strings.Split(body, "\n") {
		if !strings.Contains(line, ",") {
			return fmt.Errorf("%s:%d: %w", name, i+1, errors.New("missing separator"))
		}
		w.Add(line)
	}
	w.Close()
	<-im.done
	return nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	im := &Importer{done: make(chan string)}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			body := "a,1\nb,2\nc,3"
			if i%2 == 1 {
				body = "a,1\nbroken\nc,3"
			}
			if err := im.importFile(fmt.Sprintf("part-%d-%d.csv", k, i), body); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-receive-blocked--oneline-closure")
}
