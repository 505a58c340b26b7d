package main

import (
	"context"
	"sync"
)

// taskGroup runs a set of tasks that belong to one parent operation and
// lets the parent wait for all of them. The first error cancels the
// group's context so the siblings stop early; Wait returns that error.
type taskGroup struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
	ctx    context.Context

	once sync.Once
	err  error
}

func newTaskGroup(parent context.Context) (*taskGroup, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &taskGroup{ctx: ctx, cancel: cancel}, ctx
}

func (g *taskGroup) Go(task func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := task(g.ctx); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

// Wait blocks until every task has returned.
func (g *taskGroup) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
