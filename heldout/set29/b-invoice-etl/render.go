package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// RenderRequest asks for the customer invoices of a finished run.
type RenderRequest struct {
	Job       Job
	Customers int
}

// Renderer turns finished runs into PDF invoices and mails them. Rendering
// is CPU-heavy, so at most `parallel` documents render at once; each run's
// documents are dispatched together and wait their turn.
type Renderer struct {
	sem      chan struct{}
	rendered int64
	mailed   int64
	logger   *log.Logger
}

func NewRenderer(parallel int, logger *log.Logger) *Renderer {
	return &Renderer{sem: make(chan struct{}, parallel), logger: logger}
}

func (r *Renderer) loop(ctx context.Context, in <-chan RenderRequest) {
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-in:
			go r.renderRun(ctx, req)
		}
	}
}

func (r *Renderer) renderRun(ctx context.Context, req RenderRequest) {
	var wg sync.WaitGroup
	var failed int32
	for c := 0; c < req.Customers; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			select {
			case r.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			err := r.renderInvoice(req.Job, c)
			<-r.sem
			if err != nil {
				atomic.AddInt32(&failed, 1)
				return
			}
			r.mail(req.Job, c)
		}(c)
	}
	wg.Wait()
	if failed > 0 {
		r.logger.Printf("run %d (%s): %d/%d invoices failed to render", req.Job.ID, req.Job.Tenant, failed, req.Customers)
	}
}

func (r *Renderer) renderInvoice(j Job, customer int) error {
	time.Sleep(time.Duration(30+rand.Intn(50)) * time.Millisecond)
	if rand.Intn(200) == 0 {
		return fmt.Errorf("template: missing field for customer %d", customer)
	}
	atomic.AddInt64(&r.rendered, 1)
	return nil
}

// mail hands the PDF to the outbound relay, retrying transient failures.
func (r *Renderer) mail(j Job, customer int) {
	backoff := 50 * time.Millisecond
	for attempt := 0; attempt < 4; attempt++ {
		time.Sleep(time.Duration(5+rand.Intn(10)) * time.Millisecond)
		if rand.Intn(12) != 0 {
			atomic.AddInt64(&r.mailed, 1)
			return
		}
		time.Sleep(backoff)
		backoff *= 2
	}
}
