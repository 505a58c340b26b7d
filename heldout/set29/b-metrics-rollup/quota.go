package main

import (
	"log"
	"sync"
	"time"
)

// QuotaBook keeps one accountant goroutine per active tenant. Accountants
// reset their tenant's budget every second and retire after the tenant has
// been quiet for a while.
type QuotaBook struct {
	logger *log.Logger

	mu      sync.Mutex
	tenants map[string]*accountant
}

type accountant struct {
	tenant  string
	charges chan chan bool
	limit   int
}

func NewQuotaBook(logger *log.Logger) *QuotaBook {
	return &QuotaBook{logger: logger, tenants: make(map[string]*accountant)}
}

func (q *QuotaBook) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tenants)
}

// Charge asks the tenant's accountant whether one more sample fits this
// second's budget.
func (q *QuotaBook) Charge(tenant string) bool {
	for {
		q.mu.Lock()
		a, ok := q.tenants[tenant]
		if !ok {
			a = &accountant{tenant: tenant, charges: make(chan chan bool), limit: 60}
			q.tenants[tenant] = a
			go q.account(a)
		}
		q.mu.Unlock()
		reply := make(chan bool, 1)
		select {
		case a.charges <- reply:
			return <-reply
		case <-time.After(50 * time.Millisecond):
			// accountant retired between lookup and send; look again
		}
	}
}

func (q *QuotaBook) account(a *accountant) {
	reset := time.NewTicker(time.Second)
	defer reset.Stop()
	used, quiet, throttled := 0, 0, 0
	for {
		select {
		case reply := <-a.charges:
			if used < a.limit {
				used++
				reply <- true
			} else {
				throttled++
				reply <- false
			}
		case <-reset.C:
			if used == 0 {
				quiet++
			} else {
				quiet = 0
			}
			if throttled > 0 {
				q.logger.Printf("%s throttled %d samples", a.tenant, throttled)
			}
			used, throttled = 0, 0
			if quiet >= 8 {
				q.mu.Lock()
				if q.tenants[a.tenant] == a {
					delete(q.tenants, a.tenant)
				}
				q.mu.Unlock()
				// drain anyone who grabbed us just before removal
				for {
					select {
					case reply := <-a.charges:
						reply <- true
						continue
					default:
					}
					break
				}
				return
			}
		}
	}
}
