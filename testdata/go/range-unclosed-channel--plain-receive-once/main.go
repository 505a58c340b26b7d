// range-unclosed-channel--plain-receive-once: each upload has a writer
// doing `for rec := range records`; the parser returns on a malformed line
// without close(records), so the writer waits forever (+10 per snapshot).
// While the second snapshot is taken, an auditor also waits on a plain
// receive (`<-done`): debug=1 hides both receives' runtime wrappers, and
// only a snapshot that holds both tells the `for range` one apart.
package main

import (
	"errors"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Record struct {
	Upload int
	Line   int
}

type Store struct {
	mu   sync.Mutex
	rows int
}

func (s *Store) writeRecords(records <-chan Record) {
	for rec := range records {
		s.mu.Lock()
		s.rows += rec.Line
		s.mu.Unlock()
	}
}

var errMalformed = errors.New("malformed line")

// parseUpload sends the upload's records; on a malformed line it returns
// the error and forgets close(records).
func parseUpload(upload int, records chan<- Record) error {
	for line := 1; line <= 5; line++ {
		if line == 4 {
			return errMalformed
		}
		records <- Record{Upload: upload, Line: line}
	}
	close(records)
	return nil
}

func audit(done <-chan struct{}, seen *int) {
	<-done
	*seen++
}

func main() {
	snap.Start()
	s := &Store{}
	upload := 0
	audits := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			upload++
			records := make(chan Record)
			go s.writeRecords(records)
			if err := parseUpload(upload, records); err != nil {
				_ = err
			}
		}
		var done chan struct{}
		if k == 2 {
			done = make(chan struct{})
			go audit(done, &audits)
		}
		snap.Settle()
		snap.Goroutines(k)
		if done != nil {
			close(done)
		}
		fmt.Printf("phase %d: %d rows\n", k, s.rows)
	}
	snap.Finish("range-unclosed-channel--plain-receive-once")
}
