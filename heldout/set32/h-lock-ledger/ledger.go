package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// Ledger keeps customer accounts and the general ledger (GL) they post to.
// Postings are queued on the account and applied by the account's settler;
// every settlement allocates a gap-free GL sequence under glMu, updates the
// exposure book under riskMu and is then handed to the journal.
type Ledger struct {
	ctx     context.Context
	journal *journal
	fx      *fxTable

	accMu    sync.RWMutex
	accounts map[string]*account

	// glMu serializes GL sequence allocation and the GL totals; the
	// sequencer commit happens while it is held so sequence numbers are
	// never handed out of order.
	glMu    sync.Mutex
	glSeq   uint64
	glTotal map[string]int64 // GL code -> balance in cents (EUR)

	// riskMu guards the per-currency exposure book and limit breaches.
	riskMu   sync.Mutex
	exposure map[string]int64
	breaches int

	seq          uint64
	submitted    int64
	settled      int64
	settlements  int64
	rejectedFull int64
}

type account struct {
	id       string
	currency string
	glCode   string
	opened   time.Time

	inbox chan posting

	mu      sync.Mutex
	balance int64
	applied int64
}

type posting struct {
	id     uint64
	amount int64 // cents in account currency
	memo   string
	at     time.Time
	reply  chan postingResult // buffered(1); the submitter may have stopped waiting
}

type postingResult struct {
	glSeq   uint64
	balance int64
	err     error
}

var (
	errInboxFull = errors.New("ledger: account queue full")
	errClosed    = errors.New("ledger: shutting down")
)

var currencies = []string{"EUR", "USD", "GBP", "CHF", "JPY"}

func NewLedger(ctx context.Context, j *journal, fx *fxTable) *Ledger {
	return &Ledger{
		ctx:      ctx,
		journal:  j,
		fx:       fx,
		accounts: make(map[string]*account),
		glTotal:  make(map[string]int64),
		exposure: make(map[string]int64),
	}
}

// Account returns the account with the given id, opening it (and starting
// its settler) the first time it is seen.
func (l *Ledger) Account(id string) *account {
	l.accMu.RLock()
	a := l.accounts[id]
	l.accMu.RUnlock()
	if a != nil {
		return a
	}
	l.accMu.Lock()
	defer l.accMu.Unlock()
	if a = l.accounts[id]; a != nil {
		return a
	}
	h := 0
	for _, c := range id {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	a = &account{
		id:       id,
		currency: currencies[h%len(currencies)],
		glCode:   fmt.Sprintf("2%03d", 100+h%40),
		opened:   time.Now(),
		inbox:    make(chan posting, 64),
	}
	l.accounts[id] = a
	s := &settler{
		ledger: l,
		acct:   a,
		every:  time.Duration(60+h%50) * time.Millisecond,
		rnd:    rand.New(rand.NewSource(int64(h) + time.Now().UnixNano())),
	}
	go s.run(l.ctx)
	return a
}

func (l *Ledger) lookup(id string) *account {
	l.accMu.RLock()
	defer l.accMu.RUnlock()
	return l.accounts[id]
}

func (l *Ledger) numAccounts() int {
	l.accMu.RLock()
	defer l.accMu.RUnlock()
	return len(l.accounts)
}

// Submit queues a posting on its account and waits for the settlement
// result until ctx ends. If the caller stops waiting, the posting is still
// applied; the reply is buffered so the settler never blocks on it.
func (l *Ledger) Submit(ctx context.Context, accountID string, amount int64, memo string) (postingResult, bool, error) {
	a := l.Account(accountID)
	p := posting{
		id:     atomic.AddUint64(&l.seq, 1),
		amount: amount,
		memo:   memo,
		at:     time.Now(),
		reply:  make(chan postingResult, 1),
	}
	select {
	case a.inbox <- p:
		atomic.AddInt64(&l.submitted, 1)
	case <-ctx.Done():
		return postingResult{}, false, ctx.Err()
	default:
		atomic.AddInt64(&l.rejectedFull, 1)
		return postingResult{}, false, errInboxFull
	}
	select {
	case res := <-p.reply:
		return res, true, res.err
	case <-ctx.Done():
		return postingResult{}, false, nil // accepted, settles later
	}
}

// postToGL allocates the next GL sequence number (committing it to the
// sequencer) and books the net amount on the GL code.
func (l *Ledger) postToGL(code string, netEUR int64, commit time.Duration) uint64 {
	l.glMu.Lock()
	defer l.glMu.Unlock()
	time.Sleep(commit) // sequencer commit round-trip
	l.glSeq++
	l.glTotal[code] += netEUR
	return l.glSeq
}

// bookExposure updates the currency exposure and checks the limit.
func (l *Ledger) bookExposure(ccy string, delta int64, check time.Duration) bool {
	l.riskMu.Lock()
	defer l.riskMu.Unlock()
	time.Sleep(check) // limit lookup
	l.exposure[ccy] += delta
	const limit = 50_000_000_00
	if e := l.exposure[ccy]; e > limit || e < -limit {
		l.breaches++
		return false
	}
	return true
}

func (l *Ledger) glSnapshot() (uint64, map[string]int64) {
	l.glMu.Lock()
	defer l.glMu.Unlock()
	out := make(map[string]int64, len(l.glTotal))
	for k, v := range l.glTotal {
		out[k] = v
	}
	return l.glSeq, out
}

func (l *Ledger) exposureSnapshot() (map[string]int64, int) {
	l.riskMu.Lock()
	defer l.riskMu.Unlock()
	out := make(map[string]int64, len(l.exposure))
	for k, v := range l.exposure {
		out[k] = v
	}
	return out, l.breaches
}
