// mutex-never-unlocked: (*Store).Update returns early on a validation
// error without mu.Unlock(); every later Update blocks in mu.Lock().
// The RWMutex variant: (*Registry).Lookup returns early without
// RUnlock(); the next writer waits for that reader forever in Lock(),
// later writers queue behind it and later readers block in RLock().
package main

import (
	"errors"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Store struct {
	mu   sync.Mutex
	data map[string]int
}

var errNegative = errors.New("negative value")

func (s *Store) Update(key string, v int) error {
	s.mu.Lock()
	if v < 0 {
		return errNegative // BUG: mu still locked
	}
	s.data[key] = v
	s.mu.Unlock()
	return nil
}

type Registry struct {
	mu       sync.RWMutex
	services map[string]string
}

func (r *Registry) Lookup(name string) (string, error) {
	r.mu.RLock()
	addr, ok := r.services[name]
	if !ok {
		return "", fmt.Errorf("unknown service %q", name) // BUG: RUnlock skipped
	}
	r.mu.RUnlock()
	return addr, nil
}

func (r *Registry) Register(name, addr string) {
	r.mu.Lock()
	r.services[name] = addr
	r.mu.Unlock()
}

func handleUpdate(s *Store, key string, v int) { _ = s.Update(key, v) }

func handleRegister(r *Registry, name string) { r.Register(name, "127.0.0.1:80") }

func handleLookup(r *Registry, name string) { _, _ = r.Lookup(name) }

func main() {
	snap.Start()
	s := &Store{data: map[string]int{}}
	r := &Registry{services: map[string]string{"auth": "127.0.0.1:9000"}}
	_ = s.Update("bad", -1)    // leaves s.mu locked
	_, _ = r.Lookup("billing") // leaves one read lock held
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			go handleUpdate(s, fmt.Sprintf("key-%d", n), n)
		}
		for i := 0; i < 5; i++ {
			n++
			go handleRegister(r, fmt.Sprintf("svc-%d", n))
		}
		snap.Settle()
		for i := 0; i < 5; i++ {
			n++
			go handleLookup(r, "auth")
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("mutex-never-unlocked")
}
