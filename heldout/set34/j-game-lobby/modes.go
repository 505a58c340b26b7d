package main

import "time"

// modeSpec describes one playlist. Ratings are matched within spread,
// which widens by widen per second a ticket has waited.
type modeSpec struct {
	name      string
	teamSize  int // players per match
	spread    float64
	widen     float64 // rating points per second of waiting
	maxQueue  time.Duration
	timeLimit time.Duration
	// how long a real game of this mode usually lasts
	playMin, playMax time.Duration
}

func defaultModes() map[string]*modeSpec {
	list := []*modeSpec{
		{name: "duel", teamSize: 2, spread: 300, widen: 20, maxQueue: 45 * time.Second, timeLimit: 60 * time.Second, playMin: 8 * time.Second, playMax: 40 * time.Second},
		{name: "squad", teamSize: 4, spread: 250, widen: 10, maxQueue: 75 * time.Second, timeLimit: 110 * time.Second, playMin: 25 * time.Second, playMax: 100 * time.Second},
		{name: "ranked", teamSize: 2, spread: 30, widen: 1, maxQueue: 90 * time.Second, timeLimit: 140 * time.Second, playMin: 30 * time.Second, playMax: 130 * time.Second},
		{name: "raid", teamSize: 8, spread: 200, widen: 2, maxQueue: 120 * time.Second, timeLimit: 170 * time.Second, playMin: 90 * time.Second, playMax: 160 * time.Second},
	}
	m := make(map[string]*modeSpec, len(list))
	for _, s := range list {
		m[s.name] = s
	}
	return m
}
