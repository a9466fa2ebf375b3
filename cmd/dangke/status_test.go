package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// `dangke status` counts the pending and failed replies by platform and
// shows the failed ones with their last error.
func TestStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	missing := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	if err := missing.ParseFlags([]string{"status", "--db", db}); err != nil {
		t.Fatal(err)
	}
	if err := missing.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "数据库不存在") {
		t.Fatalf("status of a missing database: %v", err)
	}
	_ = missing.Close()
	if st, err := store.Open(context.Background(), db); err != nil {
		t.Fatal(err)
	} else if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// No admin endpoint: the health is the database's alone.
	cfg := filepath.Join(filepath.Dir(db), "dangke.yaml")
	if err := os.WriteFile(cfg, []byte("admin:\n  listen: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() string {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		if err := m.ParseFlags([]string{"status", "--config", cfg, "--db", db}); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if got := run(); !strings.Contains(got, "没有待发送或发送失败的回复") {
		t.Fatalf("empty outbox: %q", got)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.Local)
	gone := dangke.MessageKey{Platform: "dingtalk", Chat: "cidGroup1==", ID: "msg-9"}
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for _, k := range []dangke.MessageKey{gone, {Platform: "wecom", Chat: "g1", ID: "m1"}, {Platform: "wecom", Chat: "g1", ID: "m2"}} {
			if err := tx.SaveReply(ctx, k, "已登记第 3 次微党课 ✅\n讲课人：张三", "", at); err != nil {
				return err
			}
		}
		for _, c := range []string{"g1", "g2"} { // digests: one pending, one that keeps failing
			if _, err := tx.SaveOutgoing(ctx, dangke.Outgoing{Key: dangke.DigestKey(dangke.ChatRef{Platform: "wecom", ID: c}, "2026-W47"),
				Kind: dangke.SendDigest, Text: "【周报】温县 第47周", At: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.MarkFailed(ctx, gone, "dingtalk: groupMessages/send: robot not in the group", at, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := st.MarkFailed(ctx, dangke.DigestKey(dangke.ChatRef{Platform: "wecom", ID: "g2"}, "2026-W47"), "wecom: errcode 93000", at, 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	got := run()
	for _, want := range []string{"dingtalk  回复 发送失败 (failed) 1 条，最早 2026-11-28 10:00", "wecom     回复 待发送 (pending) 2 条",
		"wecom     周报 待发送 (pending) 1 条", "wecom     周报 发送失败 (failed) 1 条", "wecom g2 周报 2026-W47，2026-11-28 10:00，尝试 2 次：wecom: errcode 93000",
		"dingtalk cidGroup1== 消息 msg-9，2026-11-28 10:00，尝试 2 次：dingtalk: groupMessages/send: robot not in the group",
		"「已登记第 3 次微党课 ✅」"} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
}
