package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
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
