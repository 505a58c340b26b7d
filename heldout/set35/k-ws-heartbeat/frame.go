package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strings"
)

// A small subset of RFC 6455: single-frame messages up to 64 KiB, masked
// from client to server, no extensions.
const (
	opText  byte = 0x1
	opClose byte = 0x8
	opPing  byte = 0x9
	opPong  byte = 0xA
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

var errFrameTooLarge = errors.New("ws: frame too large")

type frame struct {
	op      byte
	payload []byte
}

func writeFrame(w io.Writer, f frame, masked bool) error {
	var hdr [8]byte
	n := 2
	hdr[0] = 0x80 | f.op
	l := len(f.payload)
	switch {
	case l <= 125:
		hdr[1] = byte(l)
	case l <= 0xFFFF:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:4], uint16(l))
		n = 4
	default:
		return errFrameTooLarge
	}
	payload := f.payload
	if masked {
		hdr[1] |= 0x80
		var key [4]byte
		rand.Read(key[:])
		buf := make([]byte, 0, n+4+l)
		buf = append(buf, hdr[:n]...)
		buf = append(buf, key[:]...)
		for i, b := range payload {
			buf = append(buf, b^key[i&3])
		}
		_, err := w.Write(buf)
		return err
	}
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

func readFrame(r *bufio.Reader) (frame, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{op: hdr[0] & 0x0F}
	masked := hdr[1]&0x80 != 0
	l := int(hdr[1] & 0x7F)
	switch l {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, err
		}
		l = int(binary.BigEndian.Uint16(ext[:]))
	case 127:
		return frame{}, errFrameTooLarge
	}
	var key [4]byte
	if masked {
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return frame{}, err
		}
	}
	f.payload = make([]byte, l)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, err
	}
	if masked {
		for i := range f.payload {
			f.payload[i] ^= key[i&3]
		}
	}
	return f, nil
}

func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func newClientKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
