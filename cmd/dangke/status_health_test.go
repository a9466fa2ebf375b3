package main

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
	"dangke/web"
)

// dangke status: the database's health always; the running bot's adapters
// from its admin endpoint; exit non-zero when the bot does not answer or an
// adapter is down.
func TestStatusHealth(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	newDB(t, db)
	cfg := filepath.Join(dir, "c.yaml")
	write := func(listen string) {
		if err := os.WriteFile(cfg, []byte("admin:\n  listen: \""+listen+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// No admin endpoint configured: the database alone, healthy.
	write("")
	out, _, err := run(t, nil, "status", "--config", cfg, "--db", db)
	if err != nil || !strings.Contains(out, "数据库：正常（可读写") || !strings.Contains(out, "未配置 admin.listen") ||
		!strings.Contains(out, "上次周报：还没有发过") || !strings.Contains(out, "状态：正常") {
		t.Fatalf("without admin: %v\n%s", err, out)
	}

	// A bot that does not answer: unhealthy, exit non-zero.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	write(closed)
	out, _, err = run(t, nil, "status", "--config", cfg, "--db", db)
	if !errors.Is(err, errUnhealthy) || !strings.Contains(out, "机器人：未运行") || !strings.Contains(out, "状态：异常") {
		t.Fatalf("bot down: %v\n%s", err, out)
	}

	// A running bot with one adapter connected and one not.
	st, err := store.Open(context.Background(), filepath.Join(dir, "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	watch := web.NewAdapters()
	up := &stubAdapter{name: "telegram", block: make(chan struct{})}
	go func() { _ = watch.Watch(up).Run(context.Background(), nil) }()
	watch.Watch(&budgetAdapter{stubAdapter{name: "dingtalk"}})
	defer close(up.block)
	srv := httptest.NewServer((&web.Admin{Store: st, Adapters: watch}).Handler())
	defer srv.Close()
	write(strings.TrimPrefix(srv.URL, "http://"))
	for range 200 { // until the telegram stub runs
		if hs := watch.Health(); len(hs) == 2 && hs[1].Connected {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	out, _, err = run(t, nil, "status", "--config", cfg, "--db", db)
	if !errors.Is(err, errUnhealthy) || !strings.Contains(out, "机器人：运行中") || !strings.Contains(out, "telegram：已连接") ||
		!strings.Contains(out, "dingtalk：未连接") || !strings.Contains(out, "dingtalk 发送额度：本月主动调用 12 次") {
		t.Fatalf("one adapter down: %v\n%s", err, out)
	}

	// The last digest run, from the database.
	s2, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chat := dangke.ChatRef{Platform: "t", ID: "g"}
	err = s2.Update(ctx, func(tx dangke.Tx) error {
		if _, err := tx.ClaimDigest(ctx, chat, "2019-W28", false, time.Date(2019, 7, 15, 9, 0, 0, 0, time.UTC)); err != nil {
			return err
		}
		return tx.FinishDigest(ctx, chat, "2019-W28", dangke.DigestSent, "", time.Date(2019, 7, 15, 9, 0, 0, 0, time.UTC))
	})
	s2.Close()
	if err != nil {
		t.Fatal(err)
	}
	write("")
	out, _, _ = run(t, nil, "status", "--config", cfg, "--db", db)
	if !strings.Contains(out, "上次周报：2019-W28，已发 1，失败 0") {
		t.Fatalf("last digest:\n%s", out)
	}
}

// budgetAdapter knows its sending quota, as the DingTalk adapter does.
type budgetAdapter struct{ stubAdapter }

func (*budgetAdapter) Budget() string {
	return "本月主动调用 12 次（本进程计数），额度 10000，约剩 9988"
}

type stubAdapter struct {
	name  string
	block chan struct{}
}

func (s *stubAdapter) Name() string { return s.name }
func (s *stubAdapter) Notify(context.Context, dangke.ChatRef, *dangke.Reply) error {
	return nil
}
func (s *stubAdapter) Run(ctx context.Context, _ dangke.Handler) error {
	<-s.block
	return nil
}
