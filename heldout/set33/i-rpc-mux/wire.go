package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame kinds on the multiplexed connection.
const (
	kindRequest byte = 1
	kindReply   byte = 2
	kindError   byte = 3
	kindCancel  byte = 4
)

const maxFrame = 1 << 20

// frame is one message on the wire:
//
//	uint32 length | kind | uint64 id | uint16 len(method) | method | body
type frame struct {
	kind   byte
	id     uint64
	method string
	body   []byte
}

var errFrameTooLarge = errors.New("rpc: frame too large")

func writeFrame(w *bufio.Writer, f frame) error {
	n := 1 + 8 + 2 + len(f.method) + len(f.body)
	if n > maxFrame {
		return errFrameTooLarge
	}
	var hdr [15]byte
	binary.BigEndian.PutUint32(hdr[0:4], uint32(n))
	hdr[4] = f.kind
	binary.BigEndian.PutUint64(hdr[5:13], f.id)
	binary.BigEndian.PutUint16(hdr[13:15], uint16(len(f.method)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.WriteString(f.method); err != nil {
		return err
	}
	if _, err := w.Write(f.body); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (frame, error) {
	var hdr [15]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	n := int(binary.BigEndian.Uint32(hdr[0:4]))
	ml := int(binary.BigEndian.Uint16(hdr[13:15]))
	if n > maxFrame || n < 11+ml {
		return frame{}, fmt.Errorf("rpc: bad frame length %d", n)
	}
	rest := make([]byte, n-11)
	if _, err := io.ReadFull(r, rest); err != nil {
		return frame{}, err
	}
	return frame{
		kind:   hdr[4],
		id:     binary.BigEndian.Uint64(hdr[5:13]),
		method: string(rest[:ml]),
		body:   rest[ml:],
	}, nil
}
