// Command k-metrics-agent is a host metrics agent. It polls the exporters
// running on the host on per-target intervals, accepts pushed metrics from
// batch jobs, folds everything into the latest value per series and ships
// the changed series in batches to a remote ingest gateway over a few
// persistent TCP connections with pipelined ACKs and heartbeats.
//
// The same process runs the exporters, the batch jobs, the ingest gateway
// (with its restarts, resets and stalls) and the inventory that brings
// targets online as the host fills up.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	farm := newExporterFarm()
	farmURL := listen("exporters", farm)
	go farm.weather(ctx.Done())

	gw, err := newIngestGateway()
	if err != nil {
		log.Fatalf("gateway: %v", err)
	}
	go gw.serve()
	go gw.ops(ctx.Done())

	results := make(chan scrapeResult, 32)
	queue := make(chan *batch, 8)

	agg := newAggregator(results, queue, 2*time.Second)
	go agg.run(ctx)

	pool := &shipperPool{addr: gw.Addr(), queue: queue}
	pool.scaleTo(ctx, 3)

	scrapeClient := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}}
	col := newCollector(scrapeClient, results)
	go pool.autoscale(ctx, col)

	push := &pushAPI{out: results}
	agentURL := listen("agent", push)

	jobs := &jobRunner{pushURL: agentURL, client: &http.Client{Timeout: 5 * time.Second}}
	go jobs.schedule(ctx)

	inv := &inventory{farm: farm, farmURL: farmURL, col: col}
	go inv.run(ctx)

	go reportStats(ctx, col, agg, pool, gw, jobs)

	<-ctx.Done()
}

func listen(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	return "http://" + ln.Addr().String()
}

// inventory brings exporters online as services get deployed on the host:
// six at boot, then one every 4-6 s up to 32. Canary instances are taken
// down again after 30-80 s.
type inventory struct {
	farm    *exporterFarm
	farmURL string
	col     *collector
	seq     map[string]int
}

func (inv *inventory) run(ctx context.Context) {
	inv.seq = make(map[string]int)
	for _, k := range []string{"node", "redis", "nginx", "postgres", "jvm", "jvm"} {
		inv.deploy(ctx, kindByName(k), false)
	}
	for ctx.Err() == nil {
		if !sleepCtx(ctx, between(4*time.Second, 6*time.Second)) {
			return
		}
		if inv.col.Len() >= 32 {
			continue
		}
		k := exporterKinds[rng.Intn(len(exporterKinds))]
		inv.deploy(ctx, k, chance(0.25))
	}
}

func (inv *inventory) deploy(ctx context.Context, k *exporterKind, canary bool) {
	inv.seq[k.name]++
	name := fmt.Sprintf("%s-%d", k.name, inv.seq[k.name])
	if canary {
		name += "-canary"
	}
	inv.farm.add(name, k)
	interval := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}[rng.Intn(3)]
	inv.col.Add(ctx, name, inv.farmURL+"/exporters/"+name+"/metrics", interval)
	if canary {
		life := between(30*time.Second, 80*time.Second)
		time.AfterFunc(life, func() {
			inv.col.Remove(name)
			inv.farm.remove(name)
		})
	}
}

func kindByName(name string) *exporterKind {
	for _, k := range exporterKinds {
		if k.name == name {
			return k
		}
	}
	return exporterKinds[0]
}

func reportStats(ctx context.Context, col *collector, agg *aggregator, pool *shipperPool, gw *ingestGateway, jobs *jobRunner) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st := &pool.stats
		log.Printf("stats: targets=%d polls=%d fail=%d batches=%d shipped=%d retried=%d dropped=%d shippers=%d dials=%d reconnects=%d acktimeouts=%d gw.batches=%d gw.resets=%d jobs.running=%d jobs.done=%d jobs.timedout=%d",
			col.Len(), col.polls.Load(), col.failures.Load(), agg.flushed.Load(),
			st.shipped.Load(), st.retried.Load(), st.droppedB.Load(), pool.size(), st.dials.Load(), st.reconnects.Load(), st.ackTimeout.Load(),
			gw.batches.Load(), gw.resets.Load(), jobs.running.Load(), jobs.finished.Load(), jobs.timedOut.Load())
	}
}
