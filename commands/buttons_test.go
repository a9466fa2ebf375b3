package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dangke"
)

// ask sends text as user in chat g at t and returns the whole reply.
func (f *fixture) send(user, text, token string, at time.Time) *dangke.Reply {
	f.t.Helper()
	reply, err := f.router.Handle(context.Background(), dangke.Request{
		Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
		From: dangke.Person{Platform: "test", ID: user}, Text: text, Token: token, Time: at,
	})
	if err != nil {
		f.t.Fatalf("%s: %v", text, err)
	}
	return reply
}

// duplicate logs a lecture twice as 张三 and returns the question's reply.
func (f *fixture) duplicate(at time.Time) *dangke.Reply {
	f.t.Helper()
	f.send("张三", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", "", at)
	q := f.send("张三", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", "", at)
	if !q.Question || len(q.Buttons) != 2 || q.Buttons[0].Label != "是，保存" || q.For.ID != "张三" {
		f.t.Fatalf("duplicate question without its buttons: %+v", q)
	}
	return q
}

func TestButtonPress(t *testing.T) {
	f := newFixture(t)
	q := f.duplicate(start)
	got := f.send("张三", "", q.Buttons[0].Token, start.Add(time.Minute))
	if got.Refused || got.Pressed != "是，保存" || !strings.Contains(got.Text, "已登记第 2 次") {
		t.Fatalf("press: %+v", got)
	}
	if len(got.Buttons) != 1 || got.Buttons[0].Label != "撤销" {
		t.Fatalf("confirmation without [撤销]: %+v", got.Buttons)
	}
	if n := f.figures().Lectures; n != 2 {
		t.Fatalf("lectures = %d, want 2", n)
	}
	undo := f.send("张三", "", got.Buttons[0].Token, start.Add(2*time.Minute))
	if undo.Refused || !strings.Contains(undo.Text, "已撤销") {
		t.Fatalf("undo press: %+v", undo)
	}
	if n := f.figures().Lectures; n != 1 {
		t.Fatalf("lectures after undo = %d, want 1", n)
	}
}

func TestButtonRefusals(t *testing.T) {
	refused := func(t *testing.T, r *dangke.Reply, want string) {
		t.Helper()
		if !r.Refused || !strings.Contains(r.Text, want) {
			t.Fatalf("got %+v, want a refusal saying %q", r, want)
		}
	}
	t.Run("forged", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		refused(t, f.send("张三", "", dangke.NewToken(), start), "无效")
		refused(t, f.send("张三", "", q.Buttons[0].Token+"x", start), "无效")
		if n := f.figures().Lectures; n != 1 {
			t.Fatalf("lectures = %d, want 1", n)
		}
	})
	t.Run("wrong presser", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		refused(t, f.send("李四", "", q.Buttons[0].Token, start), "别人点了不算")
		// The owner may still press it: a wrong presser does not use it up.
		if got := f.send("张三", "", q.Buttons[0].Token, start); got.Refused {
			t.Fatalf("owner refused after a wrong press: %+v", got)
		}
	})
	t.Run("another chat", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		reply, err := f.router.Handle(context.Background(), dangke.Request{
			Chat: dangke.ChatRef{Platform: "test", ID: "other", Group: true},
			From: dangke.Person{Platform: "test", ID: "张三"}, Token: q.Buttons[0].Token, Time: start,
		})
		if err != nil {
			t.Fatal(err)
		}
		refused(t, reply, "无效")
	})
	t.Run("reuse", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		if got := f.send("张三", "", q.Buttons[0].Token, start); got.Refused {
			t.Fatalf("first press refused: %+v", got)
		}
		refused(t, f.send("张三", "", q.Buttons[0].Token, start), "已经回答过")
		refused(t, f.send("张三", "", q.Buttons[1].Token, start), "已经回答过") // its sibling too
		if n := f.figures().Lectures; n != 2 {
			t.Fatalf("lectures = %d, want 2", n)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		refused(t, f.send("张三", "", q.Buttons[0].Token, start.Add(time.Hour)), "过期")
	})
	t.Run("superseded", func(t *testing.T) {
		f := newFixture(t)
		q := f.duplicate(start)
		f.send("张三", "/党课 王五 党员 《初心》 7月2日 30人", "", start)
		refused(t, f.send("张三", "", q.Buttons[0].Token, start), "不再有效")
		if n := f.figures().Lectures; n != 2 {
			t.Fatalf("lectures = %d, want 2", n)
		}
	})
	t.Run("undo after window", func(t *testing.T) {
		f := newFixture(t)
		got := f.send("张三", "/党课 王五 党员 《初心》 7月2日 30人", "", start)
		refused(t, f.send("张三", "", got.Buttons[0].Token, start.Add(25*time.Hour)), "过期")
	})
}

func TestButtonsStoreOnlyHashes(t *testing.T) {
	f := newFixture(t)
	q := f.duplicate(start)
	var n int
	if err := f.store.DB().NewRaw("SELECT count(*) FROM button_actions WHERE hash = ? OR answer = ?",
		q.Buttons[0].Token, q.Buttons[0].Token).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a token is stored in the clear")
	}
}

// The [撤销] under an older confirmation withdraws that entry, not the
// sender's latest, and once.
func TestUndoButtonNamesItsEntry(t *testing.T) {
	f := newFixture(t)
	first := f.send("张三", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", "", start)
	f.send("张三", "/党课 王五 党员 《初心》 7月2日 30人", "", start)
	got := f.send("张三", "", first.Buttons[0].Token, start.Add(time.Minute))
	if got.Refused || !strings.Contains(got.Text, "已撤销微党课 #1") {
		t.Fatalf("undo press: %+v", got)
	}
	if again := f.send("张三", "", first.Buttons[0].Token, start.Add(time.Minute)); !again.Refused {
		t.Fatalf("a second press: %+v", again)
	}
	if n := f.figures().Lectures; n != 1 {
		t.Fatalf("lectures = %d, want 1 (#2 kept)", n)
	}
	if r := f.send("李四", "/撤销 2", "", start); !strings.Contains(r.Text, "#2 不是你登记的") {
		t.Fatalf("someone else's entry: %q", r.Text)
	}
}
