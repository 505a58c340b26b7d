package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"strconv"
	"time"
)

type server struct {
	exp           *Exporter
	exportTimeout time.Duration
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/export", s.handleExport)
	mux.HandleFunc("/jobs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.exp.stats())
	})
	return mux
}

func (s *server) handleExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	spec := ExportSpec{Table: q.Get("table"), Cents: q.Get("cents") == "1"}
	rows, err := strconv.Atoi(q.Get("rows"))
	if err != nil || spec.Table == "" || rows <= 0 || rows > 100000 {
		http.Error(w, "bad export request", http.StatusBadRequest)
		return
	}
	spec.Rows = rows

	ctx, cancel := context.WithTimeout(r.Context(), s.exportTimeout)
	defer cancel()

	job := s.exp.Start(ctx, spec)
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("X-Export-Job", strconv.FormatInt(job.id, 10))
	bw := bufio.NewWriterSize(w, 16<<10)
	fmt.Fprintln(bw, "id,customer,region,amount,created")
	flusher, _ := w.(http.Flusher)

	n := 0
	for {
		select {
		case line, ok := <-job.Lines():
			if !ok {
				bw.Flush()
				s.exp.finish(job, nil)
				return
			}
			bw.Write(line)
			n++
			if n%500 == 0 {
				bw.Flush()
				if flusher != nil {
					flusher.Flush()
				}
			}
		case <-ctx.Done():
			// Deadline hit or client went away: stop streaming.
			bw.Flush()
			s.exp.finish(job, ctx.Err())
			log.Printf("export %d (%s, %d rows) aborted after %d rows: %v", job.id, spec.Table, spec.Rows, n, ctx.Err())
			return
		}
	}
}

// runScheduledReports runs the small recurring exports in-process and
// writes them nowhere (they would be uploaded to object storage).
func runScheduledReports(ctx context.Context, exp *Exporter, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	tables := []string{"daily_revenue", "refunds", "dunning"}
	i := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		spec := ExportSpec{Table: tables[i%len(tables)], Rows: 300 + randIntn(1500)}
		i++
		job := exp.Start(ctx, spec)
		n, err := copyLines(ioutil.Discard, job.Lines())
		exp.finish(job, err)
		_ = n
	}
}

func copyLines(w io.Writer, lines <-chan []byte) (int, error) {
	n := 0
	for line := range lines {
		if _, err := w.Write(line); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func reportMetrics(ctx context.Context, exp *Exporter, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := exp.stats()
			log.Printf("exports: started=%d completed=%d aborted=%d tracked=%d",
				st.Started, st.Completed, st.Aborted, st.Tracked)
		}
	}
}
