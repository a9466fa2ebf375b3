package dingtalk_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot/dingtalk"
)

// The monthly quota used up: the error code is recognised, logged at error
// once, no further call is made this month; a digest goes through the
// group's live sessionWebhook instead, and the budget says so.
func TestMonthlyQuota(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	var logs logBuffer // (the adapter's goroutine logs while the test reads)
	a := run(t, f, r, dingtalk.Config{MonthlyQuota: 10000, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	f.mu.Lock()
	f.quotaOut = true
	f.mu.Unlock()
	group := dangke.ChatRef{Platform: "dingtalk", ID: "cidGroup1==", Group: true}
	for range 2 {
		err := a.Notify(context.Background(), group, &dangke.Reply{Text: "周报"})
		if !errors.Is(err, dingtalk.ErrQuota) {
			t.Fatalf("notify: %v, want ErrQuota", err)
		}
	}
	f.mu.Lock()
	refused := f.refused
	f.mu.Unlock()
	if refused != 1 {
		t.Fatalf("%d calls refused, want 1: no call once the quota is known used up", refused)
	}
	if n := strings.Count(logs.String(), "monthly API quota is used up"); n != 1 || !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("logged %d times:\n%s", n, logs.String())
	}
	if b := a.Budget(); !strings.Contains(b, "额度 10000") || !strings.Contains(b, "用尽") {
		t.Fatalf("budget %q", b)
	}
	// A message from the group brings a live webhook: the digest goes there.
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-1", "2", " /我"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	if err := a.Notify(context.Background(), group, &dangke.Reply{Text: "第27周周报"}); err != nil {
		t.Fatalf("notify through the webhook: %v", err)
	}
	f.waitFor("the digest", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	if !strings.Contains(f.hookTexts()[1], "第27周周报") {
		t.Fatalf("hooks %v", f.hookTexts())
	}
}

// A digest's mentions: at.atUserIds and @ID in the webhook's markdown,
// @ID in the text of a template send.
func TestNotifyMentions(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	a := run(t, f, r, dingtalk.Config{})
	group := dangke.ChatRef{Platform: "dingtalk", ID: "cidGroup1==", Group: true}
	if err := a.Notify(context.Background(), group, &dangke.Reply{Text: "周报", Mentions: []string{"dingtalk:manager123", "telegram:1"}}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("the template send", 5*time.Second, func() bool { return len(f.sends) == 1 })
	if !strings.Contains(f.sends[0].Param, "@manager123") || strings.Contains(f.sends[0].Param, "telegram") {
		t.Fatalf("template send %s", f.sends[0].Param)
	}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-1", "2", " /我"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	if err := a.Notify(context.Background(), group, &dangke.Reply{Text: "周报", Mentions: []string{"dingtalk:manager123"}}); err != nil {
		t.Fatal(err)
	}
	f.waitFor("the webhook send", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	if h := f.hooks[1]; !strings.Contains(h.Text, "@manager123") || strings.Join(h.AtUsers, ",") != "manager123" {
		t.Fatalf("webhook digest %+v", h)
	}
}
