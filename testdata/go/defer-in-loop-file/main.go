// defer-in-loop-file: the spooler processes files from a queue for the
// life of the process and defers each file's Close inside the loop.
package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path/filepath"

	"example.com/leaks/internal/snap"
)

type Spooler struct {
	queue chan string
	acks  chan int64
}

func (s *Spooler) run() {
	for name := range s.queue {
		f, err := os.Open(name)
		if err != nil {
			s.acks <- 0
			continue
		}
		defer f.Close()
		n, _ := io.Copy(ioutil.Discard, f)
		s.acks <- n
	}
}

func main() {
	snap.MemProfileRate(512)
	snap.Start()
	dir, err := ioutil.TempDir("", "spool")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	for i := 0; i < 5; i++ {
		if err := ioutil.WriteFile(filepath.Join(dir, fmt.Sprintf("job-%d", i)), []byte("payload\n"), 0o644); err != nil {
			panic(err)
		}
	}
	s := &Spooler{queue: make(chan string), acks: make(chan int64)}
	go s.run()
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 100; i++ {
			n++
			s.queue <- filepath.Join(dir, fmt.Sprintf("job-%d", n%5))
			<-s.acks
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("defer-in-loop-file")
}
