// Package async has a small future helper used by the variant programs.
package async

// Run starts f and returns the channel its result will be sent on. The
// channel is unbuffered: a caller that never receives leaves the goroutine
// blocked.
func Run[T any](f func() T) <-chan T {
	ch := make(chan T)
	go func() {
		ch <- f()
	}()
	return ch
}
