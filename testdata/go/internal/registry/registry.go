// Package registry is a small service registry with a lock per registry.
package registry

import (
	"errors"
	"sync"
)

type Registry struct {
	mu       sync.Mutex
	services map[string]string
}

func New() *Registry { return &Registry{services: map[string]string{}} }

var ErrExists = errors.New("already registered")

// Register adds a service. On a duplicate it returns with the lock held.
func (r *Registry) Register(name, addr string) error {
	r.mu.Lock()
	if _, ok := r.services[name]; ok {
		return ErrExists
	}
	r.services[name] = addr
	r.mu.Unlock()
	return nil
}

// Lookup returns the address of a service.
func (r *Registry) Lookup(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.services[name]
}
