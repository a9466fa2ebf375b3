package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	long := strings.Repeat("第一党支部已有 10/45 名党员上讲台\n", 300)
	parts := Split(long, 4000)
	if len(parts) < 2 || strings.Join(parts, "\n") != long {
		t.Fatalf("%d parts do not join back", len(parts))
	}
	for _, p := range parts {
		if len(p) > 4000 || !utf8.ValidString(p) {
			t.Fatalf("part of %d bytes, valid %v", len(p), utf8.ValidString(p))
		}
	}
	// One line longer than the limit is cut between characters, never inside one.
	line := strings.Repeat("党", 1000) // 3 bytes each
	parts = Split(line, 100)
	if strings.Join(parts, "") != line {
		t.Fatal("long line lost text")
	}
	for _, p := range parts {
		if len(p) > 100 || !utf8.ValidString(p) {
			t.Fatalf("bad part %q", p)
		}
	}
	if got := Split("短", 100); len(got) != 1 || got[0] != "短" {
		t.Fatalf("%q", got)
	}
}

func TestSplitByUTF16(t *testing.T) {
	text := strings.Repeat("🇨🇳国\n", 2000) // flags are two runes of two UTF-16 units each
	for _, p := range SplitBy(text, 4096, UTF16Len) {
		n := 0
		for _, r := range p {
			n += UTF16Len(r)
		}
		if n > 4096 {
			t.Fatalf("piece of %d units", n)
		}
	}
}

// Whatever a member types, the defused text holds no construct that makes a
// link, a picture, a tag or a mention, and no line starts with a block
// marker.
func FuzzDefuse(f *testing.F) {
	for _, s := range []string{"[领补贴](http://x)", "![](http://x/b.png)", "<@all>", "<a href=x>y</a>", "[x]: http://x\n[x]",
		"# 标题\n> 引用\n- 列表\n1. 第一\n\t代码", "]]((", "<<a", "&amp;", "📊 统计\n  讲课人：张三", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Defuse(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", in)
		}
		if strings.Count(out, "\n") != strings.Count(in, "\n") {
			t.Fatalf("lines changed: %q -> %q", in, out)
		}
		for _, bad := range []string{"](", "]["} {
			if strings.Contains(out, bad) {
				t.Fatalf("%q in %q (from %q)", bad, out, in)
			}
		}
		for i := 0; i+1 < len(out); i++ {
			if c := out[i+1]; out[i] == '<' && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("/!?@", c) >= 0) {
				t.Fatalf("a tag in %q (from %q)", out, in)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if line != "" && strings.IndexByte("#>-+*=|`~_ \t", line[0]) >= 0 {
				t.Fatalf("line starts with a marker: %q (from %q)", line, in)
			}
			if strings.HasPrefix(strings.TrimLeft(line, "\u00a0"), "[") && strings.Contains(line, "]:") {
				t.Fatalf("a link definition: %q (from %q)", line, in)
			}
		}
	})
}
