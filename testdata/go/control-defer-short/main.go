// control-defer-short: the worker loop calls a short function per item,
// and that function defers the file's Close: each file is closed when the
// item is done. Heap flat.
package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path/filepath"

	"example.com/leaks/internal/snap"
)

func processOne(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(ioutil.Discard, f)
}

func worker(names <-chan string, done chan<- int64) {
	for name := range names {
		n, _ := processOne(name)
		done <- n
	}
}

func main() {
	snap.MemProfileRate(512)
	snap.Start()
	dir, err := ioutil.TempDir("", "short")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	for i := 0; i < 5; i++ {
		if err := ioutil.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", i)), []byte("x\n"), 0o644); err != nil {
			panic(err)
		}
	}
	names, done := make(chan string), make(chan int64)
	go worker(names, done)
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 100; i++ {
			n++
			names <- filepath.Join(dir, fmt.Sprintf("f%d", n%5))
			<-done
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("control-defer-short")
}
