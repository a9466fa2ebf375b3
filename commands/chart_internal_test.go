package commands

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

var updateChart = flag.Bool("update-chart", false, "rewrite testdata/chart-data.golden")

// TestChartData checks what /图表 draws, in which order, and which units it
// marks, from a real store: the city's reporting units, a county's towns,
// a unit without units below, and the weeks of the campaign.
func TestChartData(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2019, 7, 24, 10, 0, 0, 0, loc)
	cfg := Config{Admins: []string{"t:admin"}, Location: loc, City: "焦作市", Now: func() time.Time { return now }}
	cfg.Campaign = dangke.DefaultCampaign(loc)
	cfg.Campaign.CoverageTarget = 30
	r := New(st, cfg)
	say := func(chat, text string) {
		t.Helper()
		rep, err := r.Handle(ctx, dangke.Request{Chat: dangke.ChatRef{Platform: "t", ID: chat, Group: true}, From: dangke.Person{Platform: "t", ID: "admin"}, Text: text, Time: now})
		if err != nil {
			t.Fatal(err)
		}
		if rep != nil && (strings.Contains(rep.Text, "不") && !strings.Contains(rep.Text, "✅")) && !strings.HasPrefix(text, "/单位") {
			t.Logf("%s -> %s", text, rep.Text)
		}
	}
	for _, u := range []string{"温县/城关镇/第一党支部 10", "温县/城关镇/第二党支部 20", "温县/番田镇/第一党支部", "温县/黄庄镇/第一党支部 4",
		"温县/武德镇/第一党支部 5", "孟州市/机关党支部 5", "市委市直机关工委/市委办公室党支部"} {
		say("a", "/单位 新增 "+u)
	}
	say("a", "/单位 绑定 温县/城关镇/第一党支部")
	for _, l := range []string{
		"张三 支部书记 《我和我的祖国》 2019-06-03 40",
		"张三 支部书记 《我和我的祖国（二）》 2019-07-01 30",
		"李四 党员 《初心》 2019-07-09 20",
		"王五 党员 《使命》 2019-07-09 25 单位=温县/番田镇/第一党支部",
		"赵一 党员 《家乡一》 2019-07-16 9 单位=温县/黄庄镇/第一党支部",
		"赵二 党员 《家乡二》 2019-07-16 9 单位=温县/黄庄镇/第一党支部",
		"赵三 党员 《家乡三》 2019-07-17 9 单位=温县/黄庄镇/第一党支部",
		"赵四 党员 《家乡四》 2019-07-17 9 单位=温县/黄庄镇/第一党支部",
		"赵五 党员 《家乡五》 2019-07-18 9 单位=温县/黄庄镇/第一党支部 重复=是",
		"钱一 党员 《奋斗》 2019-07-22 9 单位=温县/武德镇/第一党支部",
		"孙一 党员 《奋斗》 2019-07-22 9 单位=孟州市/机关党支部",
	} {
		say("a", "/党课 "+l)
		say("a", "是") // a question (more lecturers than members) answered yes
	}
	var got strings.Builder
	c := &Call{Now: now, r: r}
	for _, scope := range []string{"", "温县", "温县/城关镇/第一党支部"} {
		var u *dangke.Unit
		if scope != "" {
			if u, err = st.UnitByPath(ctx, scope); err != nil {
				t.Fatal(err)
			}
		}
		bars, line, err := chartData(ctx, c, r, u, dangke.Period{})
		if err != nil {
			t.Fatal(err)
		}
		got.WriteString("== " + scope + "\n" + bars.String() + line.String())
	}
	path := filepath.Join("testdata", "chart-data.golden")
	if *updateChart {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("chart data differs (go test ./commands -run TestChartData -update-chart):\n%s", got.String())
	}
}
