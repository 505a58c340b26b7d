package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Wire format (both directions):
//
//	uint32 length of the rest | uint64 request id | uint8 op/status | payload
const (
	opCheck  byte = 1 // payload: tenant\x00amount  -> remaining quota
	opReport byte = 2 // payload: batched usage lines
	opPing   byte = 3

	statusOK       byte = 0
	statusDenied   byte = 1
	statusBadInput byte = 2

	maxFrame = 64 << 10
)

var errFrameTooLarge = errors.New("quota: frame too large")

type frame struct {
	id      uint64
	code    byte
	payload []byte
}

func writeFrame(w *bufio.Writer, f frame) error {
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:4], uint32(9+len(f.payload)))
	binary.BigEndian.PutUint64(hdr[4:12], f.id)
	hdr[12] = f.code
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.Write(f.payload); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (frame, error) {
	var hdr [13]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[0:4])
	if n < 9 {
		return frame{}, fmt.Errorf("quota: short frame (%d)", n)
	}
	if n > maxFrame {
		return frame{}, errFrameTooLarge
	}
	if _, err := io.ReadFull(r, hdr[4:13]); err != nil {
		return frame{}, err
	}
	f := frame{id: binary.BigEndian.Uint64(hdr[4:12]), code: hdr[12]}
	if n > 9 {
		f.payload = make([]byte, n-9)
		if _, err := io.ReadFull(r, f.payload); err != nil {
			return frame{}, err
		}
	}
	return f, nil
}
