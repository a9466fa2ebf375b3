package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"dangke"
)

// A message far longer than any command is refused unread: nothing is
// parsed, nothing written.
func TestLongMessageRefused(t *testing.T) {
	f := newFixture(t)
	long := "/党课 张三 支部书记 《" + strings.Repeat("长", 400000) + "》 7月1日 45人"
	if got := f.say("zhang", "g", "m-long", long); !strings.Contains(got, "消息太长") {
		t.Fatalf("reply %q", got)
	}
	if got := f.figures().Lectures; got != 0 {
		t.Fatalf("%d lectures saved", got)
	}
}

// Bidirectional overrides, zero-width and control characters never reach
// a stored field: a name that displays reversed or hides a second name is
// stored as the plain name.
func TestInvisibleCharactersRemoved(t *testing.T) {
	f := newFixture(t)
	got := f.say("zhang", "g", "", "/党课 张\u202e三\u200b 支部\u0007书记 《我和我的\u2066祖国\u2069》 7月1日 45人")
	if !strings.Contains(got, "已登记第 1 次") {
		t.Fatalf("reply %q", got)
	}
	u, err := f.store.UnitByPath(context.Background(), "温县/城关镇/第一党支部")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := f.store.Lectures(context.Background(), u.ID, 1)
	if err != nil || len(ls) != 1 {
		t.Fatalf("%v %v", ls, err)
	}
	if l := ls[0]; l.Speaker != "张三" || l.Position != "支部书记" || l.Title != "我和我的祖国" {
		t.Fatalf("stored %q %q %q", l.Speaker, l.Position, l.Title)
	}
}

// Half-entered commands are forgotten once they expire, however many wait.
func TestPendingExpire(t *testing.T) {
	f := newFixture(t)
	for i := range 50 {
		f.say(fmt.Sprint("u", i), "g", "", "/党课 张三")
	}
	later := start.Add(10 * time.Minute)
	reply, err := f.router.Handle(context.Background(), dangke.Request{
		Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
		From: dangke.Person{Platform: "test", ID: "u1"}, Text: "支部书记", Time: later,
	})
	if err != nil || !strings.Contains(reply.Text, "已经放弃") {
		t.Fatalf("%v %v", reply, err)
	}
}

// BenchmarkManyPending answers a question while 60,000 other people have a
// half-entered command waiting: the cost per message must not grow with them.
func BenchmarkManyPending(b *testing.B) {
	f := newFixture(b)
	for i := range 60000 {
		f.router.Handle(context.Background(), dangke.Request{
			Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
			From: dangke.Person{Platform: "test", ID: fmt.Sprint("p", i)}, Text: "/党课 张三", Time: start,
		})
	}
	b.ResetTimer()
	for i := range b.N {
		f.router.Handle(context.Background(), dangke.Request{
			Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
			From: dangke.Person{Platform: "test", ID: fmt.Sprint("q", i)}, Text: "/党课 李四", Time: start,
		})
	}
}

// The copy of a reply kept for redeliveries never holds a full phone
// number, even when the reply itself (in a 1:1 chat, to the pool's admin)
// showed it.
func TestSavedReplyMasked(t *testing.T) {
	f := newFixture(t)
	req := dangke.Request{
		Chat: dangke.ChatRef{Platform: "test", ID: "dm", Group: false},
		From: dangke.Person{Platform: "test", ID: "admin"}, MsgID: "m-phone", Time: start,
		Text: "/宣讲员 李四 女 1985-03 县委党校 教师 13812345678 县市区=温县",
	}
	first, err := f.router.Handle(context.Background(), req)
	if err != nil || !strings.Contains(first.Text, "已登记宣讲员") || !strings.Contains(first.Text, "13812345678") {
		t.Fatalf("%v %v", first, err)
	}
	saved, found, err := f.store.Reply(context.Background(), dangke.MessageKey{Platform: "test", Chat: "dm", ID: "m-phone"})
	if err != nil || !found {
		t.Fatalf("saved reply: %v %v", found, err)
	}
	if strings.Contains(saved.Text, "13812345678") || !strings.Contains(saved.Text, "138****5678") {
		t.Fatalf("saved reply holds %q", saved.Text)
	}
}
