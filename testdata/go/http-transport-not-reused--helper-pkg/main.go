// http-transport-not-reused--helper-pkg: the per-call Transport is in
// another package of the module (internal/webhook.Send clones
// http.DefaultTransport per delivery); the order service notifies per
// order, and each delivery leaves an idle connection: persistConn
// readLoop (IO wait) + writeLoop and the receiver's conn.serve.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
	"example.com/leaks/internal/webhook"
)

type OrderPlaced struct {
	Order  int    `json:"order"`
	Amount int    `json:"amount"`
	Tenant string `json:"tenant"`
}

type Orders struct {
	hookURL string
	failed  int
}

func (o *Orders) Place(id, amount int) {
	if err := webhook.Send(o.hookURL, OrderPlaced{Order: id, Amount: amount, Tenant: "acme"}); err != nil {
		o.failed++
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	o := &Orders{hookURL: receiver.URL + "/hooks/orders"}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			o.Place(id, 100*i)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	if o.failed > 0 {
		fmt.Println("failed deliveries:", o.failed)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-transport-not-reused--helper-pkg")
}
