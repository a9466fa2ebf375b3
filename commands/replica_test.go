package commands_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/internal/pgtest"
	"dangke/store"
)

// TestPromptAnsweredByAnotherReplica: a command that asks for a missing
// field on one replica is completed by the answer that the platform hands
// to another (two routers over one database), on every engine.
func TestPromptAnsweredByAnotherReplica(t *testing.T) {
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "r.db")
			if engine == "postgres" {
				db = pgtest.URL(t)
			}
			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			cfg := commands.Config{Admins: []string{"test:admin"}, Location: shanghai, Now: func() time.Time { return start }}
			a, b := commands.New(st, cfg), commands.New(st, cfg)
			say := func(r *commands.Router, msgID, text string) string {
				t.Helper()
				reply, err := r.Handle(context.Background(), dangke.Request{
					Chat: dangke.ChatRef{Platform: "test", ID: "g", Group: true},
					From: dangke.Person{Platform: "test", ID: "admin"}, Text: text, MsgID: msgID, Time: start,
				})
				if err != nil {
					t.Fatalf("%s: %v", text, err)
				}
				return reply.Text
			}
			say(a, "", "/单位 新增 温县/城关镇/第一党支部 45")
			say(b, "", "/单位 绑定 温县/城关镇/第一党支部")
			if got := say(a, "m1", "/党课 张三 支部书记 《我和我的祖国》 45人"); !strings.Contains(got, "请发送讲课日期") {
				t.Fatalf("no prompt: %s", got)
			}
			// The platform redelivers m1 to b: the same question, nothing lost.
			if got := say(b, "m1", "/党课 张三 支部书记 《我和我的祖国》 45人"); !strings.Contains(got, "请发送讲课日期") {
				t.Fatalf("redelivery on the other replica: %s", got)
			}
			if got := say(b, "m2", "7月1日"); !strings.Contains(got, "已登记") {
				t.Fatalf("answer on the other replica: %s", got)
			}
			if got := say(a, "m3", "7月2日"); strings.Contains(got, "已登记") {
				t.Fatalf("the conversation was completed twice: %s", got)
			}
			u, err := st.UnitByPath(context.Background(), "温县/城关镇/第一党支部")
			if err != nil {
				t.Fatal(err)
			}
			if f, err := st.Figures(context.Background(), u.ID, dangke.Period{}); err != nil || f.Lectures != 1 {
				t.Fatalf("figures %+v, %v", f, err)
			}
		})
	}
}
