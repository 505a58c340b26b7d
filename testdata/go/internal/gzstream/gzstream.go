// Package gzstream compresses a stream on the fly: Reader returns the
// gzip-compressed form of src, produced by a goroutine through io.Pipe.
// Callers must Close the reader if they stop before EOF.
package gzstream

import (
	"compress/gzip"
	"io"
)

// Reader returns a reader of the gzip-compressed src.
func Reader(src io.Reader) io.ReadCloser {
	pr, pw := io.Pipe()
	go compress(pw, src)
	return pr
}

func compress(pw *io.PipeWriter, src io.Reader) {
	zw := gzip.NewWriter(pw)
	_, err := io.Copy(zw, src)
	if err == nil {
		err = zw.Close()
	}
	pw.CloseWithError(err)
}
