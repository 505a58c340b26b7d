// premature-return: loadProfile starts a goroutine that will send its
// result, then returns early on a validation error before receiving it.
package main

import (
	"errors"
	"fmt"

	"example.com/leaks/internal/snap"
)

type Profile struct {
	ID   int
	Name string
}

type Service struct {
	store map[int]string
}

var errInvalidID = errors.New("invalid profile id")

// fetchProfile simulates the backend call and sends the result.
func (s *Service) fetchProfile(id int, out chan<- *Profile) {
	p := &Profile{ID: id, Name: s.store[id%10]}
	out <- p
}

func (s *Service) validate(id int) error {
	if id%2 == 1 {
		return errInvalidID
	}
	return nil
}

// loadProfile leaks fetchProfile when validate fails.
func (s *Service) loadProfile(id int) (*Profile, error) {
	ch := make(chan *Profile)
	go s.fetchProfile(id, ch)
	if err := s.validate(id); err != nil {
		return nil, fmt.Errorf("load profile %d: %w", id, err) // BUG: fetchProfile never finishes
	}
	return <-ch, nil
}

func main() {
	snap.Start()
	s := &Service{store: map[int]string{}}
	for i := 0; i < 10; i++ {
		s.store[i] = fmt.Sprintf("user-%d", i)
	}
	id := 0
	for k := 1; k <= 3; k++ {
		ok, failed := 0, 0
		for i := 0; i < 20; i++ {
			id++
			if _, err := s.loadProfile(id); err != nil {
				failed++
			} else {
				ok++
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d ok, %d failed\n", k, ok, failed)
	}
	snap.Finish("premature-return")
}
