package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
	"dangke/web"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// fakeAdapter runs until its context ends or stop is closed.
type fakeAdapter struct {
	name string
	stop chan struct{}
}

func (f *fakeAdapter) Name() string { return f.name }
func (f *fakeAdapter) Notify(context.Context, dangke.ChatRef, *dangke.Reply) error {
	return nil
}
func (f *fakeAdapter) Run(ctx context.Context, _ dangke.Handler) error {
	select {
	case <-ctx.Done():
	case <-f.stop:
	}
	return io.ErrUnexpectedEOF
}

type echo struct{}

func (echo) Handle(_ context.Context, req dangke.Request) (*dangke.Reply, error) {
	if req.Text == "" {
		return nil, nil
	}
	return &dangke.Reply{Text: req.Text}, nil
}

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAdmin(t *testing.T) {
	st := openStore(t)
	ads := web.NewAdapters()
	fa := &fakeAdapter{name: "telegram", stop: make(chan struct{})}
	wrapped := ads.Watch(fa)
	metrics := web.NewMetrics(web.MetricsConfig{DBSize: st.Size, QueueDepth: func() int { return 3 }})
	admin := &web.Admin{Store: st, Adapters: ads, Metrics: metrics}
	srv := httptest.NewServer(admin.Handler())
	defer srv.Close()

	// Not yet running: unhealthy.
	if code, body := get(t, srv, "/healthz"); code != 503 || !strings.Contains(body, `"connected": false`) {
		t.Fatalf("before Run: %d %s", code, body)
	}
	done := make(chan error)
	go func() { done <- wrapped.Run(context.Background(), echo{}) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := get(t, srv, "/healthz")
		if code == 200 {
			var h web.Health
			if err := json.Unmarshal([]byte(body), &h); err != nil {
				t.Fatal(err)
			}
			if !h.OK || !h.Database.Reachable || !h.Database.Writable || h.Database.SizeBytes <= 0 || len(h.Adapters) != 1 || !h.Adapters[0].Connected {
				t.Fatalf("health %+v", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never healthy: %d %s", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(fa.stop)
	<-done
	if code, body := get(t, srv, "/healthz"); code != 503 || !strings.Contains(body, "unexpected EOF") {
		t.Fatalf("after the adapter stopped: %d %s", code, body)
	}

	// Metrics: messages by platform, command and outcome; latency; digests; gauges.
	h := metrics.Handler(echo{}, func(text string) string {
		if strings.HasPrefix(text, "/统计") {
			return "stats"
		}
		return "text"
	})
	for _, text := range []string{"/统计 全市", "/统计", ""} {
		if _, err := h.Handle(context.Background(), dangke.Request{Chat: dangke.ChatRef{Platform: "telegram"}, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	metrics.Digests(4, 1, 2)
	code, body := get(t, srv, "/metrics")
	for _, want := range []string{
		`dangke_messages_total{command="stats",outcome="ok",platform="telegram"} 2`,
		`dangke_messages_total{command="text",outcome="silent",platform="telegram"} 1`,
		`dangke_reply_seconds_count{platform="telegram"} 3`,
		`dangke_digests_total{outcome="failed"} 1`,
		`dangke_digests_total{outcome="sent"} 4`,
		`dangke_send_queue_depth 3`,
		`dangke_db_size_bytes `,
		`go_goroutines `,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q (%d)", want, code)
		}
	}
	// pprof only when asked.
	if code, _ := get(t, srv, "/debug/pprof/"); code != 404 {
		t.Errorf("pprof without admin.pprof: %d", code)
	}
	admin.Pprof = true
	srv2 := httptest.NewServer(admin.Handler())
	defer srv2.Close()
	if code, body := get(t, srv2, "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof with admin.pprof: %d", code)
	}
}

// A database that cannot be written makes the check fail with 503.
func TestAdminStoreDown(t *testing.T) {
	st := openStore(t)
	admin := &web.Admin{Store: st, Timeout: time.Second}
	srv := httptest.NewServer(admin.Handler())
	defer srv.Close()
	if code, _ := get(t, srv, "/healthz"); code != 200 {
		t.Fatalf("healthy store, no adapters: %d", code)
	}
	_ = st.Close()
	code, body := get(t, srv, "/healthz")
	var h web.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || h.OK || h.Database.Writable || h.Database.Error == "" {
		t.Fatalf("closed store: %d %s", code, body)
	}
}

// probed is an adapter that knows its connection.
type probed struct {
	fakeAdapter
	up bool
}

func (p *probed) Connected() bool { return p.up }

func TestAdapterProbe(t *testing.T) {
	w := web.NewAdapters()
	p := &probed{fakeAdapter: fakeAdapter{name: "wecom", stop: make(chan struct{})}}
	done := make(chan error)
	go func() { done <- w.Watch(p).Run(context.Background(), echo{}) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.Health()) == 0 || w.Health()[0].Since.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("never ran")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if w.Health()[0].Connected {
		t.Error("running with its connection down: reported connected")
	}
	p.up = true
	if !w.Health()[0].Connected {
		t.Error("running with its connection up: reported down")
	}
	close(p.stop)
	<-done
}
