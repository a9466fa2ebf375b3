package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/wecom"
	"dangke/internal/testbot"
)

// TestCrashChild is the bot of the crash test, run in a child process of
// the test binary against the parent's fake WeCom; it skips otherwise.
func TestCrashChild(t *testing.T) {
	if !testbot.IsChild() {
		t.Skip("the bot of the crash test; runs in a child process")
	}
	r, st := testbot.RouterAt(t, os.Getenv("DANGKE_DB"), "wecom", "g1", "zhangsan")
	a, err := wecom.New(wecom.Config{BotID: "BOTID", Secret: "bot-secret-1", WSURL: os.Getenv("DANGKE_WS"), WebhookHost: os.Getenv("DANGKE_HOOK_HOST"),
		Heartbeat: time.Second, Outbox: bot.OutboxConfig{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	wecom.SetBeforeReply(a, func() {
		fmt.Println("COMMITTED")
		select {} // wait here to be killed
	})
	_ = a.Run(context.Background(), r)
}

// Killed with SIGKILL after the entry is committed, before the stream reply
// goes out on the callback's req_id: after the restart the confirmation
// goes to the chat with aibot_send_msg, marked 补发, and the lecture is
// stored once.
func TestCrashBeforeReply(t *testing.T) {
	f := newFakeWeCom(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	testbot.Setup(t, db, "wecom", "g1", "zhangsan")
	child := testbot.Start(t, "TestCrashChild", "DANGKE_DB="+db, "DANGKE_WS="+f.wsURL(), "DANGKE_HOOK_HOST="+f.hook.URL)
	f.waitFor("the child's subscription", 20*time.Second, func() bool { return f.conn != nil })
	m := groupMessage("m-crash", "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	m["create_time"] = time.Now().Unix()
	f.push("aibot_msg_callback", m)
	child.WaitFor(t, "COMMITTED", 20*time.Second)
	child.Kill()
	f.drop()
	f.mu.Lock()
	n := len(f.responses("aibot_respond_msg")) + len(f.responses("aibot_send_msg"))
	f.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d replies before the crash", n)
	}

	r, st := testbot.RouterAt(t, db, "wecom", "g1", "zhangsan")
	a, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL, Heartbeat: time.Second,
		Outbox: bot.OutboxConfig{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, r) }()
	defer func() { cancel(); <-done }()
	f.waitFor("the late confirmation", 10*time.Second, func() bool { return len(f.responses("aibot_send_msg")) == 1 })
	time.Sleep(200 * time.Millisecond)
	f.mu.Lock()
	sends := f.responses("aibot_send_msg")
	f.mu.Unlock()
	var body struct {
		ChatID   string `json:"chatid"`
		Markdown struct{ Content string }
	}
	if err := json.Unmarshal(sends[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(sends) != 1 || body.ChatID != "g1" || !strings.HasPrefix(body.Markdown.Content, dangke.LateMark+"已登记第 1 次微党课 ✅") {
		t.Fatalf("%d sends, first %s", len(sends), sends[0].Body)
	}
	if lectures(t, st) != 1 {
		t.Fatal("the lecture is not stored once")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		o, _, err := st.Reply(context.Background(), dangke.MessageKey{Platform: "wecom", Chat: "g1", ID: "m-crash"})
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

// In callback mode there is no connection to send on: a pending reply goes
// to the chat's group robot, marked 补发; one for a chat without a group
// robot fails, counted, and stays pending for the next sweep.
func TestResendThroughGroupRobot(t *testing.T) {
	r, st := setup(t)
	f := newFakeWeCom(t)
	ctx := context.Background()
	err := st.Update(ctx, func(tx dangke.Tx) error {
		if err := tx.SetChatWebhook(ctx, dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true}, "hook-key-1"); err != nil {
			return err
		}
		for _, k := range []dangke.MessageKey{{Platform: "wecom", Chat: "g1", ID: "m-late"}, {Platform: "wecom", Chat: "g2", ID: "m-nohook"}} {
			if err := tx.SaveReply(ctx, k, "已登记第 1 次微党课 ✅", "", time.Now().Add(-time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ln := httptest.NewUnstartedServer(nil).Listener
	a, err := wecom.New(wecom.Config{Callback: wecom.CallbackConfig{Token: testToken, EncodingAESKey: testAESKey, Listener: ln},
		WebhookHost: f.hook.URL, Outbox: bot.OutboxConfig{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(rctx, r) }()
	defer func() { cancel(); <-done }()
	f.waitFor("the group robot send", 5*time.Second, func() bool { return len(f.hookSends) == 1 })
	if got := f.hookSends[0]; !strings.HasPrefix(got, "（补发）已登记第 1 次微党课") {
		t.Fatalf("group robot got %q", got)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		sent, _, _ := st.Reply(ctx, dangke.MessageKey{Platform: "wecom", Chat: "g1", ID: "m-late"})
		_, failed, err := st.OutboxStatus(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := st.Pending(ctx, "wecom", time.Time{}, time.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if sent.State == dangke.OutboxSent && len(failed) == 0 && len(pending) == 1 && pending[0].Attempts == 1 &&
			strings.Contains(pending[0].LastError, "no group robot webhook") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("m-late %q; pending %+v", sent.State, pending)
		}
	}
}
