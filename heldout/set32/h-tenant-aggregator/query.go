package main

import (
	"context"
	"sync"
	"time"
)

// queryPlanner fans a query out to the aggregators of the tenants it
// covers and merges whatever answers arrive before the deadline.
type queryPlanner struct {
	deadline time.Duration
}

type queryResult struct {
	Metric   string               `json:"metric"`
	Total    metricAgg            `json:"total"`
	ByTenant map[string]metricAgg `json:"by_tenant"`
	Missing  []string             `json:"missing,omitempty"`
}

func (p *queryPlanner) Query(ctx context.Context, metric string, tenants []*tenantAggregator) queryResult {
	ctx, cancel := context.WithTimeout(ctx, p.deadline)
	defer cancel()
	// One slot per tenant, so an ask that finishes after we stop
	// collecting still completes its send.
	answers := make(chan tenantAnswer, len(tenants))
	for _, a := range tenants {
		go p.ask(ctx, a, metric, answers)
	}
	res := queryResult{Metric: metric, ByTenant: make(map[string]metricAgg, len(tenants))}
	for got := 0; got < len(tenants); got++ {
		select {
		case ans := <-answers:
			if ans.err != nil {
				res.Missing = append(res.Missing, ans.tenant)
				continue
			}
			res.ByTenant[ans.tenant] = ans.agg
			res.Total.merge(ans.agg)
		case <-ctx.Done():
			for _, a := range tenants {
				if _, ok := res.ByTenant[a.tenant]; !ok {
					res.Missing = append(res.Missing, a.tenant)
				}
			}
			return res
		}
	}
	return res
}

// ask hands the query to one aggregator. The aggregator may be busy
// handing a window to the exporter, so both steps give up at the deadline.
func (p *queryPlanner) ask(ctx context.Context, a *tenantAggregator, metric string, answers chan<- tenantAnswer) {
	q := &tenantQuery{metric: metric, reply: make(chan tenantAnswer, 1)}
	select {
	case a.queries <- q:
	case <-ctx.Done():
		answers <- tenantAnswer{tenant: a.tenant, err: ctx.Err()}
		return
	}
	select {
	case ans := <-q.reply:
		answers <- ans
	case <-ctx.Done():
		answers <- tenantAnswer{tenant: a.tenant, err: ctx.Err()}
	}
}

// Report runs several metric queries in parallel, one query worker each.
func (p *queryPlanner) Report(ctx context.Context, metrics []string, tenants []*tenantAggregator) []queryResult {
	out := make([]queryResult, len(metrics))
	var wg sync.WaitGroup
	for i, m := range metrics {
		wg.Add(1)
		go func(i int, m string) {
			defer wg.Done()
			out[i] = p.Query(ctx, m, tenants)
		}(i, m)
	}
	wg.Wait()
	return out
}
