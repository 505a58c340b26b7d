// waitgroup-never-done--generic: parallel[T] does wg.Add(len(items)) and
// starts one closure per item; an item whose f fails returns before
// wg.Done(), so the caller goroutine blocks in wg.Wait() inside
// parallel[...].
package main

import (
	"errors"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func parallel[T any](items []T, f func(T) error) {
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, it := range items {
		go func(it T) {
			if err := f(it); err != nil {
				return
			}
			wg.Done()
		}(it)
	}
	wg.Wait()
}

type Image struct {
	Name string
	Size int
}

func resize(im Image) error {
	if im.Size == 0 {
		return errors.New("empty image")
	}
	return nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go parallel([]Image{{"a", 10}, {"b", 0}}, resize)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("waitgroup-never-done--generic")
}
