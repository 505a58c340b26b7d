package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// Wire format of the upstream feed protocol. After the client's one-line
// "SUB <topic> <id>" handshake the server sends frames:
//
//	kind(1) subID(4) seq(4) len(2) payload(len)
const (
	frameData      byte = 1
	frameHeartbeat byte = 2
	frameEnd       byte = 3

	frameHeaderLen = 11
	maxPayload     = 4096
)

var errFrameTooLarge = errors.New("feed: frame payload too large")

type frame struct {
	kind    byte
	subID   uint32
	seq     uint32
	payload []byte
}

func writeFrame(w io.Writer, f frame) error {
	if len(f.payload) > maxPayload {
		return errFrameTooLarge
	}
	buf := make([]byte, frameHeaderLen+len(f.payload))
	buf[0] = f.kind
	binary.BigEndian.PutUint32(buf[1:5], f.subID)
	binary.BigEndian.PutUint32(buf[5:9], f.seq)
	binary.BigEndian.PutUint16(buf[9:11], uint16(len(f.payload)))
	copy(buf[frameHeaderLen:], f.payload)
	_, err := w.Write(buf)
	return err
}

// frameReader decodes frames from a buffered stream.
type frameReader struct {
	br  *bufio.Reader
	hdr [frameHeaderLen]byte
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{br: bufio.NewReaderSize(r, 8<<10)}
}

func (fr *frameReader) next() (frame, error) {
	if _, err := io.ReadFull(fr.br, fr.hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{
		kind:  fr.hdr[0],
		subID: binary.BigEndian.Uint32(fr.hdr[1:5]),
		seq:   binary.BigEndian.Uint32(fr.hdr[5:9]),
	}
	n := int(binary.BigEndian.Uint16(fr.hdr[9:11]))
	if n > maxPayload {
		return frame{}, errFrameTooLarge
	}
	if n > 0 {
		f.payload = make([]byte, n)
		if _, err := io.ReadFull(fr.br, f.payload); err != nil {
			return frame{}, err
		}
	}
	return f, nil
}
