package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/telegram"
	"dangke/internal/testbot"
)

// TestCrashChild is the bot of the crash test, run in a child process of
// the test binary against the parent's fake Bot API; it skips otherwise.
func TestCrashChild(t *testing.T) {
	if !testbot.IsChild() {
		t.Skip("the bot of the crash test; runs in a child process")
	}
	r, st := testbot.RouterAt(t, os.Getenv("DANGKE_DB"), "telegram", "-1001234567890", "777")
	ctx := context.Background()
	a, err := telegram.New(ctx, telegram.Config{Token: "123456:TEST-token", APIURL: os.Getenv("DANGKE_FAKE"), PollTimeout: 2 * time.Second,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Outbox: bot.OutboxConfig{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	telegram.SetBeforeReply(a, func() {
		fmt.Println("COMMITTED")
		select {} // wait here to be killed
	})
	_ = a.Run(ctx, r)
}

// Killed with SIGKILL after the entry is committed, before the confirmation
// goes out (Telegram has the update confirmed by then): after the restart
// the confirmation arrives, marked 补发, as a reply to the message, and the
// lecture is stored once.
func TestCrashBeforeReply(t *testing.T) {
	f := newFakeAPI(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	testbot.Setup(t, db, "telegram", "-1001234567890", "777")
	child := testbot.Start(t, "TestCrashChild", "DANGKE_DB="+db, "DANGKE_FAKE="+f.srv.URL)
	m := message(41, group, "/lecture 张三 支部书记 《我和我的祖国》 7月1日 45人")
	m["date"] = time.Now().Unix()
	f.push("message", m)
	child.WaitFor(t, "COMMITTED", 20*time.Second)
	child.Kill()
	f.mu.Lock()
	f.updates, f.ids = nil, nil // the library had confirmed the update with its next offset
	n := len(f.sent)
	f.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d replies before the crash", n)
	}

	r, st := testbot.RouterAt(t, db, "telegram", "-1001234567890", "777")
	start2(t, f, r, telegram.Config{Outbox: bot.OutboxConfig{Store: st}})
	f.waitSent(1)
	sent := f.quiet()
	if len(sent) != 1 {
		t.Fatalf("%d replies: %+v", len(sent), sent)
	}
	if s := sent[0]; s.ChatID != "-1001234567890" || s.ReplyTo != "41" || !strings.HasPrefix(s.Text, dangke.LateMark+"已登记第 1 次微党课 ✅") {
		t.Fatalf("late reply %+v", s)
	}
	if testbot.Lectures(t, st) != 1 {
		t.Fatal("the lecture is not stored once")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		o, _, err := st.Reply(context.Background(), dangke.MessageKey{Platform: "telegram", Chat: "-1001234567890", ID: "41"})
		if err != nil {
			t.Fatal(err)
		}
		if o.State == dangke.OutboxSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox row is %q", o.State)
		}
	}
}

// start2 runs an adapter against an existing fake Bot API until the test ends.
func start2(t *testing.T, f *fakeAPI, h dangke.Handler, cfg telegram.Config) {
	cfg.Token, cfg.APIURL = f.token, f.srv.URL
	cfg.PollTimeout = 2 * time.Second
	cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := telegram.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}
