package wecom_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot/wecom"
)

// A digest that would pass the day's limit of unprompted messages to a
// chat goes as one merged message, counted; past the limit nothing goes.
func TestDailyPushLimitMerges(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	a, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL, Heartbeat: time.Second, DailyPush: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, r) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(5 * time.Second); !a.Connected() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	chat := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true}
	for _, text := range []string{"提醒一", "提醒二"} {
		if err := a.Notify(context.Background(), chat, &dangke.Reply{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("第三党支部本周尚未开展微党课，请抓紧安排。\n", 300) // three messages' worth
	if err := a.Notify(context.Background(), chat, &dangke.Reply{Text: long}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	sends := f.responses("aibot_send_msg")
	f.mu.Unlock()
	if len(sends) != 3 {
		t.Fatalf("%d messages pushed, want 3 (the digest merged into one)", len(sends))
	}
	var body struct {
		Markdown struct{ Content string } `json:"markdown"`
	}
	_ = json.Unmarshal(sends[2].Body, &body)
	if !strings.Contains(body.Markdown.Content, "合并为一条") || len(body.Markdown.Content) > 4000 {
		t.Fatalf("merged message (%d bytes) %q…", len(body.Markdown.Content), body.Markdown.Content[:200])
	}
	if err := a.Notify(context.Background(), chat, &dangke.Reply{Text: "再一条"}); err == nil {
		t.Fatal("a push past the day's limit was sent")
	}
	if b := a.Budget(); !strings.Contains(b, "最多主动推送 3 条") || !strings.Contains(b, "已合并 1 份") {
		t.Fatalf("budget %q", b)
	}
}

// A digest's mentions are <@userid> in a group's markdown.
func TestNotifyMentions(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	a := run(t, f, r)
	for deadline := time.Now().Add(5 * time.Second); !a.Connected() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	chat := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true}
	if err := a.Notify(context.Background(), chat, &dangke.Reply{Text: "周报", Mentions: []string{"wecom:lisi", "dingtalk:x"}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	sends := f.responses("aibot_send_msg")
	f.mu.Unlock()
	if len(sends) != 1 || !strings.Contains(string(sends[0].Body), `周报\n\u003c@lisi\u003e`) && !strings.Contains(string(sends[0].Body), "周报\\n<@lisi>") {
		t.Fatalf("sends %v", sends)
	}
}
