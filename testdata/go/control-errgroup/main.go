// control-errgroup (leak-free): an errgroup-style crawler written with the
// standard library only (a WaitGroup and a first-error channel). A crawl
// goroutine starts one fetch per page and waits in wg.Wait(); each fetch
// waits for its response or for the group's context. After the snapshot
// one page fails, the first error cancels the context and every fetch
// returns. Crawls grow 12 → 40 → 90 → 160 pages over four snapshots.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Group struct {
	wg     sync.WaitGroup
	errc   chan error
	cancel context.CancelFunc
}

func WithContext(parent context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &Group{errc: make(chan error, 1), cancel: cancel}, ctx
}

func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			select {
			case g.errc <- err:
				g.cancel()
			default:
			}
		}
	}()
}

func (g *Group) Wait() error {
	g.wg.Wait()
	g.cancel()
	select {
	case err := <-g.errc:
		return err
	default:
		return nil
	}
}

type Site struct {
	responses chan string
	fail      chan struct{}
}

func (s *Site) fetch(ctx context.Context, url string) error {
	select {
	case body := <-s.responses:
		_ = body
		return nil
	case <-s.fail:
		return errors.New("fetch " + url + ": connection reset")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func crawl(site *Site, pages int, result chan<- error) {
	g, ctx := WithContext(context.Background())
	for i := 0; i < pages; i++ {
		url := fmt.Sprintf("https://example.invalid/page/%d", i)
		g.Go(func() error { return site.fetch(ctx, url) })
	}
	result <- g.Wait()
}

func main() {
	snap.Start()
	crawls := []int{12, 40, 90, 160}
	for k, n := range crawls {
		site := &Site{responses: make(chan string), fail: make(chan struct{})}
		result := make(chan error)
		go crawl(site, n, result)
		snap.Settle()
		snap.Goroutines(k + 1)
		close(site.fail)
		fmt.Printf("crawl %d: %d pages: %v\n", k+1, n, <-result)
	}
	snap.Finish("control-errgroup")
}
