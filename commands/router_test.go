package commands_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/store"
)

type fixture struct {
	t      testing.TB
	store  *store.Store
	router *commands.Router
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), template.Fresh(t, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	r := commands.New(st, commands.Config{Admins: []string{"test:admin"}, Location: shanghai, Now: func() time.Time { return start }})
	f := &fixture{t: t, store: st, router: r}
	f.say("admin", "g", "", "/单位 新增 温县/城关镇/第一党支部 45")
	f.say("admin", "g", "", "/单位 绑定 温县/城关镇/第一党支部")
	return f
}

// say sends text as user in group chat, with a platform message id when msgID is set.
func (f *fixture) say(user, chat, msgID, text string) string {
	f.t.Helper()
	reply, err := f.router.Handle(context.Background(), dangke.Request{
		Chat: dangke.ChatRef{Platform: "test", ID: chat, Group: true},
		From: dangke.Person{Platform: "test", ID: user}, Text: text, MsgID: msgID, Time: start,
	})
	if err != nil {
		f.t.Fatalf("%s: %v", text, err)
	}
	return reply.Text
}

func (f *fixture) figures() dangke.Figures {
	u, err := f.store.UnitByPath(context.Background(), "温县/城关镇/第一党支部")
	if err != nil {
		f.t.Fatal(err)
	}
	fig, err := f.store.Figures(context.Background(), u.ID, dangke.Period{})
	if err != nil {
		f.t.Fatal(err)
	}
	return fig
}

// A platform that delivers the same message twice gets one entry and the
// same confirmation both times.
func TestRedeliveryLogsOnce(t *testing.T) {
	f := newFixture(t)
	first := f.say("zhang", "g", "m-1", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	again := f.say("zhang", "g", "m-1", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	if first != again || !strings.Contains(first, "已登记第 1 次") {
		t.Fatalf("first %q, again %q", first, again)
	}
	// The same id in another chat is another message.
	f.say("admin", "g2", "", "/单位 绑定 温县/城关镇/第一党支部")
	other := f.say("zhang", "g2", "m-1", "/党课 李四 党员 《初心》 7月2日 30人")
	if !strings.Contains(other, "已登记第 2 次") {
		t.Fatalf("other chat: %q", other)
	}
	if got := f.figures().Lectures; got != 2 {
		t.Fatalf("%d lectures stored, want 2", got)
	}
}

// Concurrent redeliveries of one message race through the writer: still one entry.
func TestConcurrentRedelivery(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	replies := make([]string, 20)
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = f.say("zhang", "g", "dup", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
		}()
	}
	wg.Wait()
	for _, r := range replies {
		if r != replies[0] {
			t.Fatalf("replies differ: %q vs %q", r, replies[0])
		}
	}
	if got := f.figures().Lectures; got != 1 {
		t.Fatalf("%d lectures stored, want 1", got)
	}
}

// Many chats logging at once: every entry lands, the totals add up, and
// each sender's confirmation counts its own entry.
func TestConcurrentLogging(t *testing.T) {
	f := newFixture(t)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("/党课 讲课人%c 党员 《第%d课》 6月%d日 %d人", rune('甲'+i%10), i, i/10+1, i+1)
			if r := f.say(fmt.Sprint("u", i), "g", fmt.Sprint("m", i), text); !strings.Contains(r, "已登记第") {
				t.Errorf("%s: %s", text, r)
			}
		}()
	}
	wg.Wait()
	fig := f.figures()
	if fig.Lectures != n || fig.Attendees != n*(n+1)/2 || fig.Speakers != 10 {
		t.Fatalf("figures %+v", fig)
	}
}

// A bad entry is refused without writing anything, and nothing of it shows
// in the audit or the figures.
func TestNothingWrittenOnBadInput(t *testing.T) {
	f := newFixture(t)
	for _, text := range []string{
		"/党课 张三 支部书记 《我和我的祖国》 7月1日 听课人数=-3",
		"/党课 张三 支部书记 《我和我的祖国》 2030-01-01 45",
		"/宣讲员 李四 女 1985-03 第一党支部 教师 1381234567",
	} {
		if r := f.say("zhang", "g", "", text); strings.Contains(r, "已登记") {
			t.Errorf("%s accepted: %s", text, r)
		}
	}
	if fig := f.figures(); fig.Lectures != 0 {
		t.Fatalf("figures %+v", fig)
	}
	var audit int
	if err := f.store.DB().NewRaw("SELECT count(*) FROM audit WHERE action NOT LIKE 'unit.%' AND action != 'chat.bind'").Scan(context.Background(), &audit); err != nil {
		t.Fatal(err)
	}
	if audit != 0 {
		t.Fatalf("%d audit rows for refused input", audit)
	}
}

// Every change lands in the audit table with who, where and what.
func TestAudit(t *testing.T) {
	f := newFixture(t)
	f.say("zhang", "g", "", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	f.say("zhang", "g", "", "/宣讲员 李四 女 1985-03 第一党支部 教师 13812345678")
	f.say("zhang", "g", "", "/撤销")
	var rows []struct {
		Actor  string `bun:"actor"`
		Chat   string `bun:"chat"`
		Action string `bun:"action"`
		Detail string `bun:"detail"`
	}
	if err := f.store.DB().NewRaw("SELECT actor, chat, action, detail FROM audit ORDER BY id").Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Actor+" "+r.Chat+" "+r.Action+" "+r.Detail)
	}
	want := []string{
		"test:admin test:g unit.add 温县（县市区，党员 0）",
		"test:admin test:g unit.add 温县/城关镇（单位，党员 0）",
		"test:admin test:g unit.add 温县/城关镇/第一党支部（党支部，党员 45）",
		"test:admin test:g chat.bind test:g → 温县/城关镇/第一党支部",
		"test:zhang test:g lecture.add 温县/城关镇/第一党支部 张三《我和我的祖国》2019-07-01 45人",
		"test:zhang test:g instructor.add 温县 李四 138****5678",
		"test:zhang test:g instructor.withdraw 宣讲员 #1：李四",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// When the store fails, the router says sorry and returns the error, so
// that an adapter leaves the delivery for the platform to retry.
func TestInternalErrorIsReturned(t *testing.T) {
	f := newFixture(t)
	_ = f.store.Close()
	reply, err := f.router.Handle(context.Background(), dangke.Request{
		Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
		From: dangke.Person{Platform: "test", ID: "zhang"}, Text: "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", Time: start,
	})
	if err == nil || reply == nil || !strings.Contains(reply.Text, "内部错误") {
		t.Fatalf("reply %v, err %v", reply, err)
	}
}
