package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// api is the HTTP front end: every request becomes one call on the shared
// RPC connection, bound to the request's context.
type api struct {
	rpc *Mux
}

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/items/", a.handleItem)
	mux.HandleFunc("/v1/shards/", a.handleShardKeys)
	return mux
}

func (a *api) handleItem(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/v1/items/")
	if key == "" {
		http.Error(w, "missing key", http.StatusBadRequest)
		return
	}
	req := kvRequest{Key: key}
	method := "kv.get"
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		v, err := strconv.ParseInt(r.URL.Query().Get("value"), 10, 64)
		if err != nil {
			http.Error(w, "bad value", http.StatusBadRequest)
			return
		}
		req.Value, method = v, "kv.put"
	}
	a.relay(r.Context(), w, method, req)
}

func (a *api) handleShardKeys(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/shards/"), "/keys")
	shard, err := strconv.Atoi(rest)
	if err != nil {
		http.Error(w, "bad shard", http.StatusBadRequest)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	a.relay(r.Context(), w, "kv.scan", kvRequest{Shard: shard, Limit: limit})
}

func (a *api) relay(ctx context.Context, w http.ResponseWriter, method string, req kvRequest) {
	body, _ := json.Marshal(req)
	out, err := a.rpc.Call(ctx, method, body)
	var remote *RemoteError
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	case errors.Is(err, ErrCallTimeout):
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
	case errors.As(err, &remote):
		http.Error(w, err.Error(), http.StatusBadGateway)
	case ctx.Err() != nil:
		// client went away
	default:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	}
}
