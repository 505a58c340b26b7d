// cond-never-signalled--generic: a generic blocking queue, Queue[T], whose
// Pop waits in cond.Wait(); Push appends without Signal and a batch
// DrainAll takes the items, so the poppers never wake.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Queue[T any] struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []T
}

func NewQueue[T any]() *Queue[T] {
	q := &Queue[T]{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue[T]) Pop() T {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

func (q *Queue[T]) Push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v) // no Signal
	q.mu.Unlock()
}

func (q *Queue[T]) DrainAll() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	all := q.items
	q.items = nil
	return all
}

type Task struct{ Name string }

func consumer(q *Queue[Task], out chan<- Task) { out <- q.Pop() }

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	q := NewQueue[Task]()
	out := make(chan Task, 100)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go consumer(q, out)
		}
		pool.Do(func() {})
		snap.Settle()
		for i := 0; i < 10; i++ {
			q.Push(Task{Name: fmt.Sprintf("t%d", i)})
		}
		q.DrainAll()
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("cond-never-signalled--generic")
}
