// Package stream has the consumer loop the variant programs hand their
// channels to.
package stream

// Consume calls fn for every value until in is closed.
func Consume(in <-chan []byte, fn func([]byte)) {
	for b := range in {
		fn(b)
	}
}
