package main

import (
	"encoding/json"
	"fmt"
)

type msgKind string

const (
	msgPing    msgKind = "ping"
	msgAck     msgKind = "ack"
	msgNack    msgKind = "nack"
	msgPingReq msgKind = "ping-req"
	msgJoin    msgKind = "join"
	msgSync    msgKind = "sync"
	msgGossip  msgKind = "gossip"
	msgLeave   msgKind = "leave"
)

type memberState uint8

const (
	stateAlive memberState = iota
	stateSuspect
	stateDead
	stateLeft
)

func (s memberState) String() string {
	switch s {
	case stateAlive:
		return "alive"
	case stateSuspect:
		return "suspect"
	case stateDead:
		return "dead"
	case stateLeft:
		return "left"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// update is one membership rumour, piggybacked on every packet until it
// has been retransmitted enough times.
type update struct {
	Node  string      `json:"n"`
	Addr  string      `json:"a"`
	State memberState `json:"s"`
	Inc   uint64      `json:"i"`
	From  string      `json:"f,omitempty"` // who raised a suspicion
}

// packet is the single datagram format of the protocol.
type packet struct {
	Kind       msgKind  `json:"k"`
	Seq        uint32   `json:"q,omitempty"`
	From       string   `json:"f"`
	FromAddr   string   `json:"fa"`
	Target     string   `json:"t,omitempty"`
	TargetAddr string   `json:"ta,omitempty"`
	Updates    []update `json:"u,omitempty"`
}

func encode(p *packet) ([]byte, error) { return json.Marshal(p) }

func decode(b []byte) (*packet, error) {
	var p packet
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
