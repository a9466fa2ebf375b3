package digest_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/chart"
	"dangke/digest"
)

// files is a Notifier that keeps each chat's text and files.
type files struct {
	mu    sync.Mutex
	text  map[string]string
	files map[string][]dangke.File
}

func (f *files) Notify(_ context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.text[chat.ID] = reply.Text
	f.files[chat.ID] = reply.Files
	return nil
}

// TestDigestChart: the city's and the county's digests carry the coverage
// chart as a PNG file, a branch's does not, and the text is the same as
// without charts; the chart draws the units below in coverage order and
// marks those without a member count.
func TestDigestChart(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.add("沁阳市/机关党支部", 0)
	w.lecture("温县/城关镇/第一党支部", "张三", "支部书记", day(6, 4), 40)
	w.lecture("孟州市/机关党支部", "王五", "党员", day(6, 5), 12)
	w.lecture("温县/城关镇/第二党支部", "赵六", "党员", day(6, 5), 20)
	now := day(6, 10).Add(9 * time.Hour)
	r, err := chart.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	rec := &files{text: map[string]string{}, files: map[string][]dangke.File{}}
	s := w.scheduler(rec, &now)
	s.Charts = r
	if _, err := s.RunWeek(ctx, dangke.Week(day(6, 3)), false, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := digest.Collect(ctx, w.st, dangke.DefaultCampaign(cst), "焦作市", dangke.DefaultRubric(), dangke.Week(day(6, 3)), day(6, 10))
	if err != nil {
		t.Fatal(err)
	}
	for chat, want := range map[string]int{"g-city": 1, "g-county": 1, "g-branch": 0, "g-idle": 0} {
		if got := len(rec.files[chat]); got != want {
			t.Errorf("%s: %d files, want %d", chat, got, want)
		}
	}
	if rec.text["g-city"] != snap.Build(nil, false).Text || rec.text["g-county"] != snap.Build(w.units["温县"], false).Text {
		t.Error("a digest with a chart has another text than Build's")
	}
	var data strings.Builder
	for _, scope := range []*dangke.Unit{nil, w.units["温县"], w.units["温县/城关镇/第一党支部"]} {
		d := snap.Build(scope, false)
		f, err := snap.Chart(r, scope, d)
		if err != nil {
			t.Fatal(err)
		}
		if scope != nil && scope.ParentID != 0 {
			if f != nil {
				t.Errorf("%s: a branch's digest carries a chart", scope.Path)
			}
			continue
		}
		if f == nil {
			t.Fatalf("%v: no chart", scope)
		}
		img, err := png.Decode(bytes.NewReader(f.Data))
		if err != nil || img.Bounds().Dx() != chart.Width || f.MIME != "image/png" || !strings.HasSuffix(f.Name, ".png") {
			t.Fatalf("%s: %v %v", f.Name, img.Bounds(), err)
		}
		// Build is unchanged: the text of a digest with a chart is the text alone.
		if d.Text != snap.Build(scope, false).Text {
			t.Error("text changed")
		}
		if dir := os.Getenv("CHART_OUT"); dir != "" { // for a person to look at
			_ = os.WriteFile(filepath.Join(dir, "digest-"+f.Name), f.Data, 0o644)
		}
		data.WriteString(chart.CoverageBars("-", "-", snap.ChartUnits(scope), 0).String())
	}
	got := data.String()
	// Coverage order, the unit without a member count marked, not drawn.
	for _, want := range []string{
		"1. 孟州市 柱 200‰", "市教育局 柱 0‰", "沁阳市 标记：未填党员数",
		"1. 城关镇 柱 ", "2. 北冷乡 柱 0‰ 0.0% · 0 次",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chart data lacks %q:\n%s", want, got)
		}
	}
}
