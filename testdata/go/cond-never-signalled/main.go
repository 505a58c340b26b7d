// cond-never-signalled: consumers wait in cond.Wait() for work; Put
// appends to the queue but forgets cond.Signal(), so nobody wakes up, and
// the batch flusher drains the items before any waiter looks again.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID   int
	Name string
}

type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []Job
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue) Take() Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	j := q.items[0]
	q.items = q.items[1:]
	return j
}

// Put forgets q.cond.Signal().
func (q *Queue) Put(j Job) {
	q.mu.Lock()
	q.items = append(q.items, j)
	q.mu.Unlock()
}

// Drain takes everything queued (the batch flusher).
func (q *Queue) Drain() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

func consumer(q *Queue, results chan<- int) {
	j := q.Take()
	results <- j.ID
}

func main() {
	snap.Start()
	q := NewQueue()
	results := make(chan int, 100)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go consumer(q, results)
		}
		snap.Settle() // all consumers are waiting now
		for i := 0; i < 10; i++ {
			id++
			q.Put(Job{ID: id, Name: fmt.Sprintf("job-%d", id)})
		}
		flushed := q.Drain()
		fmt.Printf("phase %d: flushed %d jobs\n", k, len(flushed))
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("cond-never-signalled")
}
