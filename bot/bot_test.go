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
