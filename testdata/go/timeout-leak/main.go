// timeout-leak: fetchWithTimeout selects on the worker's result and
// time.After; on timeout it returns and the worker blocks forever on its
// send to the unbuffered channel.
//
// With -panic the program panics after the last snapshot (assignment to a
// nil map in (*Cache).store), for crash-dump captures.
package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"example.com/leaks/internal/snap"
)

var panicAtEnd = flag.Bool("panic", false, "panic after the last snapshot")

type Response struct {
	Query string
	Body  []byte
}

var errTimeout = errors.New("backend timeout")

// queryBackend is the slow dependency: queries marked slow take longer
// than the caller's deadline.
func queryBackend(q string, slow bool) Response {
	if slow {
		time.Sleep(60 * time.Millisecond)
	} else {
		time.Sleep(time.Millisecond)
	}
	return Response{Query: q, Body: []byte("ok:" + q)}
}

func fetchWithTimeout(q string, slow bool, timeout time.Duration) (Response, error) {
	ch := make(chan Response) // BUG: unbuffered, the worker can't finish after a timeout
	go func() {
		ch <- queryBackend(q, slow)
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(timeout):
		return Response{}, errTimeout
	}
}

type Cache struct {
	entries map[string]Response
}

func (c *Cache) store(r Response) {
	c.entries[r.Query] = r // panics: entries never allocated
}

func handleRequest(c *Cache, q string) {
	r, err := fetchWithTimeout(q, false, 20*time.Millisecond)
	if err == nil {
		c.store(r)
	}
}

func main() {
	snap.Start()
	n := 0
	for k := 1; k <= 3; k++ {
		timeouts := 0
		for i := 0; i < 20; i++ {
			n++
			slow := i%2 == 0 // half of the requests hit the slow path
			if _, err := fetchWithTimeout(fmt.Sprintf("q%d", n), slow, 20*time.Millisecond); err != nil {
				timeouts++
			}
		}
		time.Sleep(80 * time.Millisecond) // let the slow workers reach their send
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d timeouts\n", k, timeouts)
	}
	if *panicAtEnd {
		handleRequest(&Cache{}, "final")
	}
	snap.Finish("timeout-leak")
}
