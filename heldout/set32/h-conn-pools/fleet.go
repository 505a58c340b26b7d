package main

import (
	"context"
	"fmt"
	"log"
	"time"
)

// fleetManager brings item backends up over time and registers each one
// with the gateway.
type fleetManager struct {
	gw      *gateway
	initial int
	every   time.Duration
	max     int

	backends []*backend
}

func (m *fleetManager) bootstrap(ctx context.Context) error {
	for i := 0; i < m.initial; i++ {
		if err := m.launch(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (m *fleetManager) run(ctx context.Context) {
	for len(m.backends) < m.max {
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(m.every*8/10, m.every*12/10)):
		}
		if err := m.launch(ctx); err != nil {
			log.Printf("fleet: %v", err)
		}
	}
}

func (m *fleetManager) launch(ctx context.Context) error {
	name := fmt.Sprintf("items-%02d", len(m.backends)+1)
	b, err := startBackend(ctx, name)
	if err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	m.backends = append(m.backends, b)
	u := newUpstream(name, b.apiAddr, b.statAddr)
	go u.probe.run(ctx)
	m.gw.add(u)
	log.Printf("fleet: %s up (api %s, status %s)", name, b.apiAddr, b.statAddr)
	return nil
}
