package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Admin serves the operator's endpoints: /healthz (200 or 503 with the
// Health as JSON), /metrics (Prometheus text format) and, when Pprof is
// set, /debug/pprof/. It is meant for 127.0.0.1 or a private network.
type Admin struct {
	Store    HealthStore
	Adapters *Adapters // nil: no adapter is reported
	Metrics  *Metrics  // nil: /metrics is not served
	Pprof    bool
	Now      func() time.Time
	Timeout  time.Duration // for the health check's database steps; 5 s
	// Replica reports the leases of the one-consumer roles; nil for a
	// single process.
	Replica func(ctx context.Context) *ReplicaHealth
}

// Health checks the store and reports the adapters: healthy when the
// database answers and takes a write and every adapter is connected.
func (a *Admin) Health(ctx context.Context) Health {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := CheckStore(ctx, a.Store, now())
	h.Adapters = []AdapterHealth{}
	if a.Adapters != nil {
		h.Adapters = a.Adapters.Health()
	}
	if a.Replica != nil {
		h.Replica = a.Replica(ctx)
	}
	for i, ad := range h.Adapters {
		if h.Replica != nil && !h.Replica.Leading && slices.Contains(h.Replica.Led, ad.Name) {
			h.Adapters[i].Standby = true
			continue
		}
		if !ad.Connected {
			h.OK = false
		}
	}
	return h
}

// Handler returns the admin endpoints.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := a.Health(r.Context())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !h.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(h)
	})
	if a.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{}))
	}
	if a.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}
