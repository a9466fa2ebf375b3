package commands_test

import (
	"context"
	"strings"
	"testing"
)

// Every change to the unit tree leaves an audit row, the merged unit's
// path and what it held among them; a dry run before a question leaves none.
func TestUnitChangesAudited(t *testing.T) {
	f := newFixture(t)
	f.say("admin", "g", "", "/党课 张三 支部书记 《一》 7月1日 40人")
	f.say("admin", "g", "", "/党课 李四 党员 《二》 7月2日 20人")
	f.say("admin", "g", "", "/单位 新增 温县/城关镇/第二党支部 10")
	f.say("admin", "g", "", "/单位 新增 温县/南张羌镇 0")
	if got := f.say("admin", "g", "", "/单位 合并 第一党支部 到 第二党支部"); !strings.Contains(got, "回复「是」") {
		t.Fatalf("no question before a merge of two lectures: %s", got)
	}
	if n := f.audits("unit.merge"); n != 0 {
		t.Fatalf("the preview left %d audit rows", n)
	}
	f.say("admin", "g", "", "是")
	f.say("admin", "g", "", "/单位 改名 温县/南张羌镇 北张羌镇")
	f.say("admin", "g", "", "/单位 移动 温县/北张羌镇 温县/城关镇")
	f.say("admin", "g", "", "/单位 删除 温县/城关镇/北张羌镇")
	f.say("admin", "g", "", "/单位 解绑")
	for _, action := range []string{"unit.merge", "unit.rename", "unit.move", "unit.remove", "chat.unbind"} {
		if n := f.audits(action); n != 1 {
			t.Errorf("%s: %d audit rows, want 1", action, n)
		}
	}
	var detail string
	if err := f.store.DB().NewRaw("SELECT detail FROM audit WHERE action = 'unit.merge'").Scan(context.Background(), &detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "温县/城关镇/第一党支部") || !strings.Contains(detail, "党员 45") || !strings.Contains(detail, "微党课 2 条") {
		t.Fatalf("merge audit detail %q", detail)
	}
}

func (f *fixture) audits(action string) int {
	f.t.Helper()
	var n int
	if err := f.store.DB().NewRaw("SELECT count(*) FROM audit WHERE action = ?", action).Scan(context.Background(), &n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
