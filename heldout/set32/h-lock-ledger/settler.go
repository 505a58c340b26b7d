package main

import (
	"context"
	"math/rand"
	"sync/atomic"
	"time"
)

// settler is the single writer of one account: it collects the postings
// queued on the account and settles them in batches on a short cycle.
// Settlers live as long as the ledger; an account is never closed during
// a business day.
type settler struct {
	ledger *Ledger
	acct   *account
	every  time.Duration
	rnd    *rand.Rand

	pending []posting
	cycles  int
}

const maxBatch = 16

func (s *settler) run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.fail(errClosed)
			return
		case p := <-s.acct.inbox:
			s.pending = append(s.pending, p)
			if len(s.pending) < maxBatch {
				continue
			}
		case <-t.C:
		}
		if !s.settle(ctx) {
			return
		}
	}
}

// settle applies the pending batch: FX conversion, GL sequence, exposure
// and the account balance, then journals the settlement. Each cycle also
// journals an accrual entry when nothing was pending, so the journal has a
// record of every settlement cycle of every account (the auditors replay
// the cycles).
func (s *settler) settle(ctx context.Context) bool {
	l := s.ledger
	a := s.acct
	s.cycles++

	var net int64
	for _, p := range s.pending {
		net += p.amount
	}
	kind := "settlement"
	if len(s.pending) == 0 {
		kind = "accrual"
		net = a.accrual()
	}
	rate := l.fx.Rate(a.currency)
	netEUR := int64(float64(net) * rate)

	commit := time.Duration(3000+s.rnd.Intn(4000)) * time.Microsecond
	glSeq := l.postToGL(a.glCode, netEUR, commit)
	ok := l.bookExposure(a.currency, netEUR, time.Duration(1500+s.rnd.Intn(2000))*time.Microsecond)

	a.mu.Lock()
	a.balance += net
	a.applied += int64(len(s.pending))
	bal := a.balance
	a.mu.Unlock()

	e := journalEntry{
		glSeq:    glSeq,
		account:  a.id,
		kind:     kind,
		postings: len(s.pending),
		net:      net,
		netEUR:   netEUR,
		balance:  bal,
		limitOK:  ok,
		at:       time.Now(),
	}
	// The journal is the durability point: a settlement is acknowledged
	// only once the journal writer has taken it.
	select {
	case l.journal.entries <- e:
	case <-ctx.Done():
		s.fail(errClosed)
		return false
	}

	for _, p := range s.pending {
		p.reply <- postingResult{glSeq: glSeq, balance: bal}
	}
	atomic.AddInt64(&l.settled, int64(len(s.pending)))
	atomic.AddInt64(&l.settlements, 1)
	s.pending = s.pending[:0]
	return true
}

func (s *settler) fail(err error) {
	for _, p := range s.pending {
		p.reply <- postingResult{err: err}
	}
	s.pending = nil
}

// accrual is the interest accrued on the balance for one cycle.
func (a *account) accrual() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance / 200000
}
