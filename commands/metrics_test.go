package commands_test

import "testing"

func TestCommandLabel(t *testing.T) {
	f := newFixture(t)
	for text, want := range map[string]string{
		"/统计 全市":            "stats",
		"/stats":            "stats",
		"/党课@dangke_bot 张三": "lecture",
		"/党课毛红亮支部书记《我和我的祖国》7月8日41人": "lecture",
		"@党课助手 /图表 温县":              "chart",
		"/单位 新增 温县":                 "unit",
		"／帮助":                       "help",
		"/不存在":                      "unknown",
		"是":                         "text",
		"":                          "text",
	} {
		if got := f.router.CommandLabel(text); got != want {
			t.Errorf("CommandLabel(%q) = %q, want %q", text, got, want)
		}
	}
}
