package main

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func newAPI(b *Broker) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		topic, sym := r.PostForm.Get("topic"), r.PostForm.Get("symbol")
		price, err := strconv.ParseFloat(r.PostForm.Get("price"), 64)
		if topic == "" || sym == "" || err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		seq := b.Publish(topic, sym, price)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]uint64{"seq": seq})
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(b.Stats())
	})
	return mux
}
