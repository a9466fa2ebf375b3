package chart

import (
	"bytes"
	"flag"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gomono"

	"dangke"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// out is where pictures go for a person to look at: $CHART_OUT, or nowhere.
func out(t testing.TB, name string, png []byte) {
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./chart -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// uf is a unit of one branch's figures as the store gives them: covered
// when its member count is set and not below its lecturers.
func uf(name string, lectures, speakers, members int) dangke.UnitFigures {
	f := dangke.Figures{Lectures: lectures, Speakers: speakers, Members: members}
	switch {
	case members <= 0:
		f.Unset = dangke.Doubtful{N: 1}
	case speakers > members:
		f.Over = dangke.Doubtful{N: 1}
	default:
		f.CoveredSpeakers, f.CoveredMembers = speakers, members
	}
	return dangke.UnitFigures{Unit: dangke.Unit{Name: name}, Figures: f}
}

// county is a county's towns as the coverage chart gets them, in path order.
var county = []dangke.UnitFigures{
	uf("北冷乡", 3, 2, 40),
	uf("城关镇", 12, 9, 45),
	uf("番田镇", 0, 0, 0),     // no member count: marked
	uf("黄庄镇", 4, 9, 45),    // 20.0% as 城关镇, with fewer lectures
	uf("南张羌镇", 5, 3, 2),    // more lecturers than members: marked
	uf("祥云镇", 0, 0, 30),    // 0%: drawn, last of the drawn
	uf("武德镇", 7, 6, 20),    // 30.0%
	uf("温泉街道办事处", 1, 1, 0), // lectures but no member count: marked
}

func TestCoverageBars(t *testing.T) {
	b := CoverageBars("温县 上台率", "累计（截至 7月31日）", county, 25)
	golden(t, "coverage.golden", b.String())
	// The order and the marks, spelled out.
	var drawn, marked []string
	for _, it := range b.Items {
		if it.Mark != "" {
			marked = append(marked, it.Label)
		} else {
			drawn = append(drawn, it.Label)
		}
	}
	if got := strings.Join(drawn, " "); got != "武德镇 城关镇 黄庄镇 北冷乡 祥云镇" {
		t.Errorf("drawn = %s", got)
	}
	if got := strings.Join(marked, " "); got != "番田镇 南张羌镇 温泉街道办事处" {
		t.Errorf("marked = %s", got)
	}
}

func TestCampaignWeeks(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	c := dangke.DefaultCampaign(loc)
	weeks := CampaignWeeks(c, time.Date(2019, 7, 3, 10, 0, 0, 0, loc))
	var labels []string
	for _, w := range weeks {
		labels = append(labels, WeekLabel(w))
	}
	// 2019-06-01 is a Saturday: its week starts on 5/27; 7/3 is in the week of 7/1.
	if got := strings.Join(labels, " "); got != "5/27 6/3 6/10 6/17 6/24 7/1" {
		t.Errorf("weeks = %s", got)
	}
	if n := len(CampaignWeeks(c, time.Date(2020, 3, 1, 0, 0, 0, 0, loc))); n != campaignWeeks(c) {
		t.Errorf("after the end: %d weeks, want %d", n, campaignWeeks(c))
	}
}

// campaignWeeks counts the campaign's weeks directly.
func campaignWeeks(c dangke.Campaign) int {
	n := 0
	for w := dangke.Week(c.Start); !w.From.After(c.End); w = dangke.Week(w.From.AddDate(0, 0, 7)) {
		n++
	}
	return n
}

func renderer(t testing.TB) *Renderer {
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func size(t *testing.T, data []byte) (int, int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestRenderSizes(t *testing.T) {
	r := renderer(t)
	b := CoverageBars("温县 上台率", "累计（截至 7月31日）", county, 25)
	data, err := r.Bars(b)
	if err != nil {
		t.Fatal(err)
	}
	out(t, "bars.png", data)
	w, h := size(t, data)
	if w != Width || h < 8*76 || h > 8*76+400 {
		t.Errorf("bars: %d×%d", w, h)
	}
	if len(data) > 200<<10 {
		t.Errorf("bars: %d bytes, want a small PNG", len(data))
	}
	l := Line{Title: "温县 每周微党课", Subtitle: "2019-06-01 至今"}
	for i, v := range []int{0, 3, 5, 2, 8, 13, 9, 4, 11, 7} {
		l.Points = append(l.Points, Point{Label: WeekLabel(dangke.Period{From: time.Date(2019, 6, 3+7*i, 0, 0, 0, 0, time.UTC)}), Value: v})
	}
	data, err = r.Line(l)
	if err != nil {
		t.Fatal(err)
	}
	out(t, "line.png", data)
	if w, h := size(t, data); w != Width || h != 760 {
		t.Errorf("line: %d×%d", w, h)
	}
	// Empty charts still come out.
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return r.Bars(Bars{Title: "空"}) },
		func() ([]byte, error) { return r.Line(Line{Title: "空"}) },
	} {
		data, err := f()
		if err != nil {
			t.Fatal(err)
		}
		size(t, data)
	}
}

// TestNamesHaveGlyphs renders every name the test data holds: every Han
// character, letter and digit of the transcripts, digests and corpus under
// testdata/ of this module must be drawn by a font, never as 〓 or a box.
func TestNamesHaveGlyphs(t *testing.T) {
	r := renderer(t)
	seen := map[rune]bool{}
	var text strings.Builder
	for _, dir := range []string{"../commands/testdata", "../digest/testdata", "../report/testdata", "testdata"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(path, "fuzz") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil || !utf8.Valid(data) { // a picture among the fixtures holds no names
				return err
			}
			for _, c := range string(data) {
				if !seen[c] && (unicode.Is(unicode.Han, c) || unicode.IsLetter(c) || unicode.IsDigit(c)) && c != '\uFFFD' {
					seen[c] = true
					text.WriteRune(c)
				}
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if len(seen) < 500 {
		t.Fatalf("only %d characters found in the test data: the walk is wrong", len(seen))
	}
	if miss := r.Fonts.Missing(text.String()); len(miss) > 0 {
		t.Errorf("%d characters of the test data have no glyph: %q", len(miss), string(miss))
	}
	// And drawn: a chart with every character as labels renders.
	var units []dangke.UnitFigures
	rs := []rune(text.String())
	for i := 0; i < len(rs); i += 12 {
		units = append(units, uf(string(rs[i:min(i+12, len(rs))]), 1, 1, 2))
	}
	data, err := r.Bars(CoverageBars("全部字符", "测试", units, 30))
	if err != nil {
		t.Fatal(err)
	}
	out(t, "glyphs.png", data)
}

func TestFallback(t *testing.T) {
	r := renderer(t)
	// Outside GB2312 but in font/extra.txt; Latin beyond ASCII from Go Regular.
	if miss := r.Fonts.Missing("王堃 李喆 张赟 Łukasz Øyvind"); len(miss) > 0 {
		t.Errorf("missing %q", string(miss))
	}
	// A character no embedded font has is reported (and drawn as 〓).
	if miss := r.Fonts.Missing("龘"); string(miss) != "龘" {
		t.Errorf("missing = %q, want 龘", string(miss))
	}
	// A font file is read as the first fallback; a file that is no font is refused.
	dir := t.TempDir()
	mono := filepath.Join(dir, "mono.ttf")
	if err := os.WriteFile(mono, gomono.TTF, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := NewFonts(mono)
	if err != nil || len(f.chain) != 3 {
		t.Fatalf("NewFonts(mono) = %v, %v", f, err)
	}
	bad := filepath.Join(dir, "bad.ttf")
	if err := os.WriteFile(bad, []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFonts(bad); err == nil {
		t.Error("a file that is no font was taken")
	}
	if _, err := NewFonts(filepath.Join(dir, "none.ttf")); err == nil {
		t.Error("a missing font file was taken")
	}
}

// BenchmarkBars100 draws a 100-bar chart (README: under 150 ms).
func BenchmarkBars100(b *testing.B) {
	r := renderer(b)
	var units []dangke.UnitFigures
	for i := range 100 {
		units = append(units, uf("第"+strings.Repeat("一", i%5+1)+"党支部委员会", i, i%40, 40+i%3))
	}
	bars := CoverageBars("温县 上台率", "累计", units, 25)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Bars(bars); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVenueBars(t *testing.T) {
	var s dangke.Shows
	s.Add("社区", "普通", true, 7)
	s.Add("学校", "情景", true, 2)
	s.Add("", "文艺", true, 1)     // 示范=是 without a venue
	s.Add("机关", "普通", false, 40) // not a 示范宣讲: not drawn
	b := VenueBars("温县 示范宣讲（按场所）", "累计", s)
	var got []string
	for _, it := range b.Items {
		got = append(got, it.Label+" "+it.Value)
	}
	if want := "进机关 0 次|进社区 7 次|进企业 0 次|进农村 0 次|进学校 2 次|未填场所 1 次"; strings.Join(got, "|") != want {
		t.Errorf("items = %s", strings.Join(got, "|"))
	}
	if b.Scale != 8 || b.Items[1].Milli != 875 {
		t.Errorf("scale %d, 社区 %d‰", b.Scale, b.Items[1].Milli)
	}
	data, err := renderer(t).Bars(b)
	if err != nil {
		t.Fatal(err)
	}
	out(t, "venues.png", data)
	if w, _ := size(t, data); w != Width {
		t.Errorf("venues: width %d", w)
	}
}

func TestNiceScale(t *testing.T) {
	for n, want := range map[int]int{0: 4, 1: 4, 4: 4, 5: 8, 10: 12, 20: 20, 21: 40, 24: 40, 25: 40, 30: 40, 130: 200, 1000: 1000, 1001: 2000} {
		if got := niceScale(n); got != want {
			t.Errorf("niceScale(%d) = %d, want %d", n, got, want)
		}
	}
}
