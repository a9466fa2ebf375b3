package commands_test

import (
	"context"

	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/store"
)

// fuzzPeople are the senders of FuzzRouter: a config admin, a unit admin of
// 孟州市, a member of the first branch's group, and a stranger.
var fuzzPeople = []string{"admin", "mengzhou", "member", "stranger"}

// fuzzChats are its chats: two bound groups, the city's group, an unbound
// group and the 1:1 chat.
var fuzzChats = []struct {
	id    string
	group bool
	unit  string // the bound unit's path; "" for none
}{
	{"g1", true, "温县/城关镇/第一党支部"}, {"g2", true, "孟州市/机关党支部"}, {"city", true, ""},
	{"free", true, ""}, {"dm", false, ""},
}

// FuzzRouter sends messages of any bytes from any sender in any chat and
// checks that the router never panics and never writes outside the
// sender's rights: every audited change must lie inside a unit the sender
// administers or, for entries, inside the unit of the chat it came from.
func FuzzRouter(f *testing.F) {
	for _, seed := range []string{
		"/党课 张三 支部书记 《我和我的祖国》 7月1日 45人", "/党课 张三 支部书记 《我和我的祖国》 7月2日 45人", "是",
		"/单位 新增 温县/城关镇/第三党支部 20", "/单位 绑定 温县", "/单位 绑定 全市", "/角色 授予 test:stranger 温县",
		"/角色 撤销 test:mengzhou 孟州市", "/删除 1", "/撤销", "/宣讲员 李四 女 1985-03 温县一中 教师 13812345678",
		"/党课 李四 党员 《初心》 昨天 30 单位=孟州市/机关党支部", "/比赛 新建 决赛", "/比赛 报名 王五 温县 《青春》 正式党员 有",
		"/单位 党员数 温县/城关镇/第一党支部 3", "/群机器人 abc", "/导出 附件2 温县", "/统计 全市", "/党课",
	} {
		for who := range fuzzPeople {
			f.Add(uint8(who), uint8(0), seed)
		}
		f.Add(uint8(1), uint8(4), seed)
		f.Add(uint8(3), uint8(3), seed)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, template.Fresh(f, "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	r := commands.New(st, commands.Config{Admins: []string{"test:admin"}, Location: shanghai, Now: func() time.Time { return start }})
	say := func(who, chat int, text string) (*dangke.Reply, error) {
		c := fuzzChats[chat]
		return r.Handle(ctx, dangke.Request{
			Chat: dangke.ChatRef{Platform: "test", ID: c.id, Group: c.group},
			From: dangke.Person{Platform: "test", ID: fuzzPeople[who]}, Text: text, Time: start,
		})
	}
	for _, setup := range []struct {
		chat int
		text string
	}{
		{4, "/单位 新增 温县/城关镇/第一党支部 45"}, {4, "/单位 新增 温县/城关镇/第二党支部 30"}, {4, "/单位 新增 孟州市/机关党支部 10"},
		{0, "/单位 绑定 温县/城关镇/第一党支部"}, {1, "/单位 绑定 孟州市/机关党支部"}, {2, "/单位 绑定 全市"},
		{4, "/角色 授予 test:mengzhou 孟州市"},
	} {
		if _, err := say(0, setup.chat, setup.text); err != nil {
			f.Fatal(err)
		}
	}
	var lastAudit int64
	if err := st.DB().NewRaw("SELECT coalesce(max(id), 0) FROM audit").Scan(ctx, &lastAudit); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, who, chat uint8, text string) {
		w, c := int(who)%len(fuzzPeople), int(chat)%len(fuzzChats)
		reply, err := say(w, c, text)
		if err != nil && strings.Contains(err.Error(), "panic") {
			t.Fatalf("panic on %q from %s in %s: %v", text, fuzzPeople[w], fuzzChats[c].id, err)
		}
		if reply == nil {
			t.Fatalf("no reply to %q", text)
		}
		var rows []struct {
			ID       int64  `bun:"id"`
			Actor    string `bun:"actor"`
			Chat     string `bun:"chat"`
			Action   string `bun:"action"`
			Entity   string `bun:"entity"`
			EntityID int64  `bun:"entity_id"`
		}
		if err := st.DB().NewRaw("SELECT id, actor, chat, action, entity, entity_id FROM audit WHERE id > ? ORDER BY id", lastAudit).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, a := range rows {
			lastAudit = a.ID
			if a.Actor == "test:admin" || ownWithdrawal(ctx, t, st, a.Actor, a.Action, a.EntityID) {
				continue
			}
			paths, err := auditedPaths(ctx, st, a.Entity, a.EntityID)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				if !mayWrite(ctx, t, st, a.Actor, a.Chat, a.Action, p) {
					t.Fatalf("%s in %s wrote %s on %q (message %q)", a.Actor, a.Chat, a.Action, p, text)
				}
			}
		}
	})
}

// ownWithdrawal reports whether an audited change is its author taking back
// their own entry, which /撤销 allows from any chat.
func ownWithdrawal(ctx context.Context, t *testing.T, st *store.Store, actor, action string, id int64) bool {
	table := map[string]string{"lecture.withdraw": "lectures", "instructor.withdraw": "instructors"}[action]
	if table == "" {
		return false
	}
	var author string
	if err := st.DB().NewRaw("SELECT author FROM "+table+" WHERE id = ?", id).Scan(ctx, &author); err != nil {
		t.Fatal(err)
	}
	return author == actor
}

// auditedPaths returns the unit paths an audited change touched.
func auditedPaths(ctx context.Context, st *store.Store, entity string, id int64) ([]string, error) {
	var q string
	switch entity {
	case "lecture":
		q = "SELECT u.path FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.id = ?"
	case "instructor":
		q = "SELECT u.path FROM instructors i JOIN units u ON u.id = i.pool_id WHERE i.id = ?"
	case "unit", "role", "speaker":
		q = "SELECT path FROM units WHERE id = ?"
	case "contest", "contestant", "city", "chat":
		return []string{"全市"}, nil // organiser and city-level changes: admins only
	default:
		return []string{"?" + entity}, nil
	}
	var paths []string
	err := st.DB().NewRaw(q, id).Scan(ctx, &paths)
	return paths, err
}

// mayWrite reports whether actor, writing from chat, may change unit path:
// as its admin, or for an entry, from a chat bound to it or above it.
func mayWrite(ctx context.Context, t *testing.T, st *store.Store, actor, chat, action, path string) bool {
	within := func(root string) bool { return path == root || strings.HasPrefix(path, root+"/") }
	roles, err := st.Roles(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if within(r.UnitPath) {
			return true
		}
	}
	entry := strings.HasPrefix(action, "lecture.") || strings.HasPrefix(action, "instructor.add") || strings.HasPrefix(action, "speaker.")
	if !entry {
		return false
	}
	// The chat's binding now (an admin may have changed it since setup).
	bound, err := st.ChatUnit(ctx, dangke.ChatRef{Platform: "test", ID: strings.TrimPrefix(chat, "test:")})
	if err != nil {
		t.Fatal(err)
	}
	if bound == nil {
		return false
	}
	root := bound.Path
	if strings.HasPrefix(action, "instructor.") { // a lecturer joins the pool of the chat's county
		root = strings.Split(root, "/")[0]
	}
	return within(root)
}
