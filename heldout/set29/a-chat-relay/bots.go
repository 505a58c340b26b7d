package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

var roomNames = []string{"#lobby", "#go", "#ops", "#random", "#music", "#games", "#dev", "#help"}

var phrases = []string{
	"anyone around?", "deploy is green", "lunch?", "that build is flaky again",
	"+1", "looking into it", "can someone review my PR", "brb",
	"did the cache warm up yet", "latency looks fine from here", "lol", "ack",
}

// population simulates users connecting to the relay.
type population struct {
	addr   string
	seq    int64
	online int64
}

func (p *population) nextNick(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, atomic.AddInt64(&p.seq, 1))
}

// arrivals lets users trickle in, a few at a time.
func (p *population) arrivals() {
	for {
		time.Sleep(time.Duration(1500+rand.Intn(2500)) * time.Millisecond)
		n := 2 + rand.Intn(6)
		for i := 0; i < n; i++ {
			var life time.Duration
			if rand.Intn(4) == 0 {
				life = time.Duration(8+rand.Intn(40)) * time.Second
			} else {
				life = time.Duration(90+rand.Intn(500)) * time.Second
			}
			rooms := []string{"#lobby"}
			for k := rand.Intn(3); k > 0; k-- {
				rooms = append(rooms, roomNames[1+rand.Intn(len(roomNames)-1)])
			}
			b := &bot{
				addr:  p.addr,
				nick:  p.nextNick("user"),
				rooms: rooms,
				life:  life,
				every: time.Duration(4000+rand.Intn(9000)) * time.Millisecond,
			}
			go p.run(b)
		}
	}
}

// flashCrowds: a bunch of users pile into #launch, chat quickly, and leave.
func (p *population) flashCrowds() {
	for {
		time.Sleep(time.Duration(25+rand.Intn(20)) * time.Second)
		n := 15 + rand.Intn(16)
		for i := 0; i < n; i++ {
			b := &bot{
				addr:  p.addr,
				nick:  p.nextNick("fan"),
				rooms: []string{"#launch"},
				life:  time.Duration(3000+rand.Intn(5000)) * time.Millisecond,
				every: time.Duration(500+rand.Intn(1000)) * time.Millisecond,
			}
			go p.run(b)
		}
	}
}

// admin checks on the relay from time to time with a short session.
func (p *population) admin() {
	for {
		time.Sleep(time.Duration(8+rand.Intn(6)) * time.Second)
		conn, err := net.DialTimeout("tcp", p.addr, 2*time.Second)
		if err != nil {
			continue
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "NICK %s\r\nLIST\r\nWHO #lobby\r\nQUIT\r\n", p.nextNick("admin"))
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			if sc.Text() == "BYE" {
				break
			}
		}
		conn.Close()
	}
}

func (p *population) run(b *bot) {
	atomic.AddInt64(&p.online, 1)
	defer atomic.AddInt64(&p.online, -1)
	b.session()
}

type bot struct {
	addr  string
	nick  string
	rooms []string
	life  time.Duration
	every time.Duration

	received int64
}

func (b *bot) session() {
	conn, err := net.DialTimeout("tcp", b.addr, 2*time.Second)
	if err != nil {
		return
	}
	defer conn.Close()

	readDone := make(chan struct{})
	go b.readLoop(conn, readDone)

	w := bufio.NewWriter(conn)
	send := func(format string, args ...interface{}) bool {
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(w, format+"\r\n", args...)
		return w.Flush() == nil
	}
	if !send("NICK %s", b.nick) {
		return
	}
	for _, r := range b.rooms {
		send("JOIN %s", r)
	}

	leave := time.NewTimer(b.life)
	defer leave.Stop()
	chat := time.NewTicker(b.every)
	defer chat.Stop()
	for {
		select {
		case <-readDone:
			return // server dropped us or was full
		case <-leave.C:
			send("QUIT")
			select {
			case <-readDone:
			case <-time.After(3 * time.Second):
			}
			return
		case <-chat.C:
			var ok bool
			switch n := rand.Intn(20); {
			case n == 0:
				ok = send("WHO %s", b.rooms[rand.Intn(len(b.rooms))])
			case n == 1:
				ok = send("PING %d", time.Now().UnixNano())
			default:
				ok = send("MSG %s %s", b.rooms[rand.Intn(len(b.rooms))], phrases[rand.Intn(len(phrases))])
			}
			if !ok {
				return
			}
		}
	}
}

func (b *bot) readLoop(conn net.Conn, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		atomic.AddInt64(&b.received, 1)
		if strings.HasPrefix(line, "BYE") || strings.HasPrefix(line, "ERR server full") {
			return
		}
	}
}
