// double-send: compute sends the error and then, missing a return, also
// sends the result; the receiver reads once, so the second send blocks.
package main

import (
	"errors"
	"fmt"

	"example.com/leaks/internal/snap"
)

type result struct {
	val int
	err error
}

func doWork(job int) (int, error) {
	if job%2 == 0 {
		return 0, errors.New("bad input")
	}
	return job * job, nil
}

func compute(job int, out chan<- result) {
	v, err := doWork(job)
	if err != nil {
		out <- result{err: err}
		// BUG: missing return
	}
	out <- result{val: v}
}

func runJob(job int) (int, error) {
	out := make(chan result)
	go compute(job, out)
	r := <-out
	return r.val, r.err
}

func main() {
	snap.Start()
	job := 0
	for k := 1; k <= 3; k++ {
		errs := 0
		for i := 0; i < 20; i++ {
			job++
			if _, err := runJob(job); err != nil {
				errs++
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d errors\n", k, errs)
	}
	snap.Finish("double-send")
}
