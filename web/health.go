package web

import (
	"context"
	"sort"
	"sync"
	"time"

	"dangke"
	"dangke/bot"
)

// HealthStore is what the health check asks of the store.
type HealthStore interface {
	// CheckWrite proves the database takes a write.
	CheckWrite(ctx context.Context, at time.Time) error
	// LastDigests reports the newest week of digests.
	LastDigests(ctx context.Context) (dangke.DigestRun, error)
	// Size is the database's size in bytes.
	Size(ctx context.Context) (int64, error)
}

// Health is the bot's state as /healthz and `dangke status` report it.
type Health struct {
	OK         bool              `json:"ok"`
	CheckedAt  time.Time         `json:"checked_at"`
	Database   DatabaseHealth    `json:"database"`
	Adapters   []AdapterHealth   `json:"adapters"`
	LastDigest *dangke.DigestRun `json:"last_digest,omitempty"`
}

// DatabaseHealth says whether the database answers and takes a write.
type DatabaseHealth struct {
	Reachable bool   `json:"reachable"`
	Writable  bool   `json:"writable"`
	SizeBytes int64  `json:"size_bytes"`
	Error     string `json:"error,omitempty"`
}

// AdapterHealth says whether a platform adapter is connected to its
// platform: its Run has started and not ended, and, for an adapter that
// knows its connection (Connected), that connection is up. Error is the
// error its last Run ended with.
type AdapterHealth struct {
	Name      string    `json:"name"`
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since"`
	Error     string    `json:"error,omitempty"`
	Budget    string    `json:"budget,omitempty"` // what is left of the platform's sending quota (bot.Budgeter)
}

// CheckStore fills the database's and the last digest's part of a health
// report, each step bounded by ctx.
func CheckStore(ctx context.Context, st HealthStore, now time.Time) Health {
	h := Health{CheckedAt: now}
	run, err := st.LastDigests(ctx)
	if err != nil {
		h.Database.Error = err.Error()
		return h
	}
	h.Database.Reachable = true
	if run.Week != "" {
		h.LastDigest = &run
	}
	if h.Database.SizeBytes, err = st.Size(ctx); err != nil {
		h.Database.Error = err.Error()
	}
	if err := st.CheckWrite(ctx, now); err != nil {
		h.Database.Error = err.Error()
		return h
	}
	h.Database.Writable = true
	h.OK = true
	return h
}

// Adapters watches the platform adapters: Watch wraps one so that its Run
// marks it connected until it returns. It is safe for concurrent use.
type Adapters struct {
	mu    sync.Mutex
	state map[string]*AdapterHealth
	probe map[string]func() bool   // adapters that know their connection: Connected()
	quota map[string]func() string // adapters that know their sending quota: Budget()
	now   func() time.Time
}

// prober is an adapter that knows whether its connection is up (WeCom's
// long connection): a running adapter is connected only when it says so.
type prober interface{ Connected() bool }

// NewAdapters returns an empty watch.
func NewAdapters() *Adapters {
	return &Adapters{state: map[string]*AdapterHealth{}, probe: map[string]func() bool{}, quota: map[string]func() string{}, now: time.Now}
}

// Watch returns a to run in its place, reporting to w.
func (w *Adapters) Watch(a bot.Adapter) bot.Adapter {
	w.mu.Lock()
	w.state[a.Name()] = &AdapterHealth{Name: a.Name()}
	if p, ok := a.(prober); ok {
		w.probe[a.Name()] = p.Connected
	}
	if b, ok := a.(bot.Budgeter); ok {
		w.quota[a.Name()] = b.Budget
	}
	w.mu.Unlock()
	return &watched{Adapter: a, w: w}
}

func (w *Adapters) set(name string, connected bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.state[name]
	s.Connected, s.Since = connected, w.now()
	if err != nil {
		s.Error = err.Error()
	}
}

// Health returns each adapter's state, by name.
func (w *Adapters) Health() []AdapterHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]AdapterHealth, 0, len(w.state))
	for name, s := range w.state {
		h := *s
		if p := w.probe[name]; p != nil && h.Connected && !p() {
			h.Connected = false
		}
		if b := w.quota[name]; b != nil {
			h.Budget = b()
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

type watched struct {
	bot.Adapter
	w *Adapters
}

func (a *watched) Run(ctx context.Context, h dangke.Handler) error {
	a.w.set(a.Name(), true, nil)
	err := a.Adapter.Run(ctx, h)
	a.w.set(a.Name(), false, err)
	return err
}
