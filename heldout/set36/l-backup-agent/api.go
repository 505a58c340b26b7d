package main

import (
	"context"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// apiServer is the agent's local control API: operators (here the load
// generator) ask it to restore files from the latest snapshot.
type apiServer struct {
	agent *Agent
	url   string
}

func startAPI(ctx context.Context, a *Agent) (*apiServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &apiServer{agent: a, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/restore", s.handleRestore)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("api: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return s, nil
}

type restoreReply struct {
	Tenant string `json:"tenant"`
	Files  int    `json:"files"`
	Chunks int64  `json:"chunks"`
	Failed int    `json:"failed"`
	Took   string `json:"took"`
}

// handleRestore: GET /restore?tenant=X&files=N fetches N files in parallel,
// each a run of chunks of one volume, and answers when all are back.
func (s *apiServer) handleRestore(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t := s.agent.tenant(q.Get("tenant"))
	if t == nil {
		http.Error(w, "unknown tenant", http.StatusNotFound)
		return
	}
	files, _ := strconv.Atoi(q.Get("files"))
	if files <= 0 || files > 12 {
		files = 4
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()

	start := time.Now()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		chunks int64
	)
	for i := 0; i < files; i++ {
		v := t.volumes[randInt(len(t.volumes))]
		first, n := randInt(v.chunks), 3+randInt(6)
		wg.Add(1)
		go func(volume string) {
			defer wg.Done()
			for seq := first; seq < first+n; seq++ {
				if _, err := t.store.GetChunk(ctx, t.name, volume, seq); err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
					return
				}
				atomic.AddInt64(&chunks, 1)
			}
		}(v.name)
	}
	wg.Wait()
	atomic.AddInt64(&s.agent.restores, 1)

	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(restoreReply{
		Tenant: t.name, Files: files, Chunks: atomic.LoadInt64(&chunks),
		Failed: failed, Took: time.Since(start).Round(time.Millisecond).String(),
	})
}
