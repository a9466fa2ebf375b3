package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// The dashboard's secret is web.secret, or one made once and kept in the
// database: a link from before a restart still opens after it.
func TestStartWebSecret(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &Main{store: st, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: defaults()}
	m.cfg.DB = db // its media folder beside it, not in the source tree
	m.cfg.Web.Listen, m.cfg.Web.PublicURL = "127.0.0.1:0", "https://dangke.example.org"
	rc := m.routerConfig()
	start := func() (string, func()) {
		links, stop, err := m.startWeb(ctx, rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(links.Secret), stop
	}
	a, stop := start()
	stop()
	b, stop := start()
	stop()
	if a == "" || a != b || len(a) < 32 {
		t.Fatalf("secrets %q %q", a, b)
	}
	m.cfg.Web.Secret = "a-configured-secret-of-32-characters!"
	c, stop := start()
	stop()
	if c != m.cfg.Web.Secret {
		t.Fatalf("configured secret not used: %q", c)
	}
	// Off without web.listen.
	m.cfg.Web.Listen = ""
	links, stop, err := m.startWeb(ctx, rc)
	stop()
	if err != nil || links != nil {
		t.Fatalf("web off: %v %v", links, err)
	}
	// A link signed before a restart verifies after it.
	m.cfg.Web.Listen, m.cfg.Web.Secret = "127.0.0.1:0", ""
	l1, stop1, _ := m.startWeb(ctx, rc)
	stop1()
	now := time.Now()
	url, _, _ := l1.Link(ctx, nil, dangke.ChatRef{Platform: "t", ID: "g"}, now)
	l2, stop2, _ := m.startWeb(ctx, rc)
	stop2()
	if _, err := l2.Verify(ctx, url[len("https://dangke.example.org/d/"):], now); err != nil {
		t.Fatalf("a link from before the restart: %v", err)
	}
}
