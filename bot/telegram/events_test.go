package telegram_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot/telegram"
)

// A group upgraded to a supergroup keeps its binding and records under the
// new id: a command there still speaks for the unit.
func TestGroupMigration(t *testing.T) {
	r, st := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.push("message", message(1, group, "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitSent(1)
	moved := map[string]any{"message_id": 2, "date": 1562727600, "chat": group, "from": ann, "migrate_to_chat_id": -1009998887776}
	f.push("message", moved)
	super := map[string]any{"id": -1009998887776, "title": "城关镇一支部", "type": "supergroup"}
	f.push("message", map[string]any{"message_id": 1, "date": 1562727600, "chat": super, "from": ann, "migrate_from_chat_id": -1001234567890})
	deadline := time.Now().Add(5 * time.Second)
	for { // updates are handled by parallel workers: wait for the move
		var n int
		_ = st.DB().NewRaw("SELECT count(*) FROM chats WHERE chat_id = '-1009998887776'").Scan(context.Background(), &n)
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.push("message", message(3, super, "/stats"))
	sent := f.waitSent(2)
	if sent[1].ChatID != "-1009998887776" || !strings.Contains(sent[1].Text, "温县/城关镇/第一党支部") || !strings.Contains(sent[1].Text, "微党课 1 次") {
		t.Fatalf("after the upgrade: %+v", sent[1])
	}
	var chat string
	if err := st.DB().NewRaw("SELECT chat FROM lectures").Scan(context.Background(), &chat); err != nil || chat != "telegram:-1009998887776" {
		t.Fatalf("lecture chat %q %v", chat, err)
	}
	if n := len(f.quiet()); n != 2 {
		t.Fatalf("%d messages; the service messages got replies", n)
	}
}

// The bot removed from a bound group: the binding goes inactive (no
// digests), the admins are told in 1:1; added back, it is active again.
func TestRemovedFromGroup(t *testing.T) {
	r, st := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	member := func(status string) map[string]any {
		return map[string]any{"chat": group, "from": bob, "date": 1562727600,
			"old_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手"}},
			"new_chat_member": map[string]any{"status": status, "user": map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手"}}}
	}
	f.push("my_chat_member", member("kicked"))
	sent := f.waitSent(1)
	if sent[0].ChatID != "777" || !strings.Contains(sent[0].Text, "已被 bob 移出群「城关镇一支部」") || !strings.Contains(sent[0].Text, "温县/城关镇/第一党支部") {
		t.Fatalf("notice %+v", sent[0])
	}
	chats, err := st.BoundChats(context.Background())
	if err != nil || len(chats) != 0 {
		t.Fatalf("bound chats after removal: %v %v", chats, err)
	}
	f.push("my_chat_member", member("member"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if chats, _ = st.BoundChats(context.Background()); len(chats) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(chats) != 1 {
		t.Fatal("the binding is not active again after the bot came back")
	}
}

// A digest that names people @-mentions them by id in a group, and not in
// a 1:1 chat.
func TestNotifyMentions(t *testing.T) {
	r, _ := newRouter(t)
	f, a := start(t, r, telegram.Config{})
	g := dangke.ChatRef{Platform: "telegram", ID: "-1001234567890", Group: true}
	if err := a.Notify(context.Background(), g, &dangke.Reply{Text: "周报 <1>", Mentions: []string{"telegram:777", "dingtalk:x", "telegram:abc"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Notify(context.Background(), dangke.ChatRef{Platform: "telegram", ID: "777"}, &dangke.Reply{Text: "私聊", Mentions: []string{"telegram:777"}}); err != nil {
		t.Fatal(err)
	}
	sent := f.waitSent(2)
	if sent[0].Text != "周报 &lt;1&gt;\n🔔 <a href=\"tg://user?id=777\">负责人1</a>" {
		t.Fatalf("group digest %q", sent[0].Text)
	}
	if strings.Contains(sent[1].Text, "tg://") {
		t.Fatalf("1:1 message mentions: %q", sent[1].Text)
	}
}
