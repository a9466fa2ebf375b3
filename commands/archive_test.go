package commands_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/commands"
	"dangke/media"
	"dangke/store"
)

// /导出 台账 in a chat whose platform takes smaller files than the archive:
// refused with the archive's size and the command line that writes it.
func TestArchiveOverTheChatLimit(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, template.Fresh(t, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := media.New(filepath.Join(t.TempDir(), "media"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	now := time.Date(2019, 7, 10, 10, 0, 0, 0, shanghai)
	r := commands.New(st, commands.Config{Admins: []string{"dingtalk:admin"}, Location: shanghai, Now: func() time.Time { return now }, Media: m,
		FileLimits: map[string]int64{"dingtalk": 2000}})
	say := func(text string) string {
		rep, err := r.Handle(ctx, dangke.Request{Chat: dangke.ChatRef{Platform: "dingtalk", ID: "g", Group: true},
			From: dangke.Person{Platform: "dingtalk", ID: "admin"}, Text: text, Time: now})
		if err != nil || rep == nil {
			t.Fatalf("%s: %v", text, err)
		}
		return rep.Text
	}
	say("/单位 新增 温县/城关镇/第一党支部 45")
	say("/单位 绑定 温县/城关镇/第一党支部")
	say("/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	got := say("/导出 台账 本月")
	for _, want := range []string{"台账 ZIP 有", "KB（1 次党课、0 个附件），超过钉钉单个文件 2 KB 的上限",
		"dangke export archive --unit 温县/城关镇/第一党支部 --from 2019-07-01 --to 2019-07-31 --out 台账-温县城关镇第一党支部-20190701至20190731-20190710.zip"} {
		if !strings.Contains(got, want) {
			t.Fatalf("reply lacks %q:\n%s", want, got)
		}
	}
}
