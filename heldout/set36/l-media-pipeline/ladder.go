package main

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"time"
)

// profile is one rung of the adaptive bitrate ladder.
type profile struct {
	Name    string
	Height  int
	Kbps    int
	segCost time.Duration // wall time to encode one 4 s segment
}

var bitrateLadder = []profile{
	{"240p", 240, 400, 60 * time.Millisecond},
	{"360p", 360, 800, 80 * time.Millisecond},
	{"480p", 480, 1400, 110 * time.Millisecond},
	{"720p", 720, 2800, 160 * time.Millisecond},
	{"1080p", 1080, 5000, 240 * time.Millisecond},
	{"2160p", 2160, 16000, 550 * time.Millisecond},
}

const segmentLength = 4 * time.Second

// ladderFor picks the top four rungs that do not exceed the declared frame
// height of the upload.
func ladderFor(a asset) []profile {
	var rungs []profile
	for _, p := range bitrateLadder {
		if p.Height <= a.Height {
			rungs = append(rungs, p)
		}
	}
	if len(rungs) > 4 {
		rungs = rungs[len(rungs)-4:]
	}
	return rungs
}

// asset is what the uploader declared about the file.
type asset struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Height   int     `json:"height"`
	Seconds  float64 `json:"duration_s"`
	Aspect   string  `json:"aspect"` // picture aspect inside the frame, e.g. "16:9" or "2.39:1"
	Channels int     `json:"audio_channels"`
}

// sourceInfo is what probing the mezzanine file reports.
type sourceInfo struct {
	FrameHeight  int
	ActiveHeight int // picture rows without the letterbox bars
	Segments     int
}

var rngMu sync.Mutex
var rng = rand.New(rand.NewSource(time.Now().UnixNano()))

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 - frac + 2*frac*randFloat()))
}

func parseAspect(s string) (float64, error) {
	sep := ":"
	if !strings.Contains(s, sep) {
		sep = "/"
	}
	parts := strings.SplitN(s, sep, 2)
	if len(parts) != 2 {
		return 0, fmt.Errorf("bad aspect %q", s)
	}
	w, err1 := strconv.ParseFloat(parts[0], 64)
	h, err2 := strconv.ParseFloat(parts[1], 64)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, fmt.Errorf("bad aspect %q", s)
	}
	return w / h, nil
}

// probeSource reads the container headers and scans a few frames for
// letterbox bars.
func probeSource(ctx context.Context, a asset) (sourceInfo, error) {
	t := time.NewTimer(jitter(90*time.Millisecond, 0.5))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return sourceInfo{}, ctx.Err()
	case <-t.C:
	}
	ratio, err := parseAspect(a.Aspect)
	if err != nil {
		return sourceInfo{}, err
	}
	info := sourceInfo{FrameHeight: a.Height, ActiveHeight: a.Height}
	if frame := 16.0 / 9.0; ratio > frame+0.01 {
		info.ActiveHeight = int(float64(a.Height) * frame / ratio)
	}
	info.Segments = int(time.Duration(a.Seconds*float64(time.Second))/segmentLength) + 1
	return info, nil
}
