// double-send--method-value: the job runs through a method value
// (`run := j.run; go run(done)`); run reports a failed step and, missing a
// return, reports completion as well.
package main

import (
	"errors"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Job struct {
	ID     int
	broken bool
}

func (j *Job) step() error {
	if j.broken {
		return errors.New("step failed")
	}
	return nil
}

func (j *Job) run(done chan<- error) {
	if err := j.step(); err != nil {
		done <- err
	}
	done <- nil
}

func (j *Job) Start() error {
	done := make(chan error)
	run := j.run
	go run(done)
	return <-done
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			id++
			j := &Job{ID: id, broken: i%2 == 0}
			if err := j.Start(); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("double-send--method-value")
}
