package bot

import (
	"strings"
)

// Replies are plain text, and parts of them are typed by members (titles,
// names, units). DingTalk and WeCom show replies as markdown, so
// `[领补贴](http://x)` in a title would come out as a link in a message the
// bot signs, `![](http://x/b.png)` as a picture and `<@all>` as a WeCom
// mention. Defuse makes such text show as typed.
//
// It never relies on a backslash: WeCom's robot markdown does not honour
// backslash escapes (`\[…\]` even becomes a formula), so the constructs that
// could carry a link, a picture, a tag or a mention are broken apart with a
// visible space, which every renderer respects. Constructs that only change
// how a line looks are defused with invisible characters: a zero-width space
// before a line-start marker (# > - + * = | ` ~ _ and "1."), no-break spaces
// for leading spaces and tabs (which would otherwise be dropped or start a
// code block). Characters markdown would not interpret are left alone.

// zwsp is the zero-width space put in front of a line-start marker.
const zwsp = "\u200b"

// Defuse renders plain text for a markdown that is otherwise shown as
// typed. It keeps line ends; the caller joins lines as its platform needs.
func Defuse(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		lines[i] = defuseLine(line)
	}
	return strings.Join(lines, "\n")
}

func defuseLine(line string) string {
	// Leading spaces and tabs: no-break spaces keep the indent without
	// making a code block.
	rest := strings.TrimLeft(line, " \t")
	var b strings.Builder
	b.Grow(len(line) + 8)
	for _, c := range line[:len(line)-len(rest)] {
		if c == '\t' {
			b.WriteString("\u00a0\u00a0\u00a0\u00a0")
		} else {
			b.WriteString("\u00a0")
		}
	}
	if lineMarker(rest) {
		b.WriteString(zwsp)
	}
	if strings.HasPrefix(rest, "[") {
		// "[x]: http://…" at a line start defines a link for "[x]" elsewhere.
		rest = strings.ReplaceAll(rest, "]:", "] :")
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		b.WriteByte(c)
		var next byte
		if i+1 < len(rest) {
			next = rest[i+1]
		}
		switch {
		case c == ']' && (next == '(' || next == '['):
			b.WriteByte(' ') // [text](url), ![alt](src), [text][ref]
		case c == '<' && (isASCIILetter(next) || strings.IndexByte("/!?@", next) >= 0):
			b.WriteByte(' ') // <a href>, <font>, <http://…>, WeCom <@userid>
		case c == '&' && entityAt(rest[i+1:]):
			b.WriteString(zwsp) // &amp; shows as typed
		}
	}
	return b.String()
}

// lineMarker reports whether a line starts with something markdown reads
// as block structure: a heading, quote, list, rule, table, fence or setext
// underline.
func lineMarker(s string) bool {
	if s == "" {
		return false
	}
	if strings.IndexByte("#>-+*=|`~_", s[0]) >= 0 {
		return true
	}
	d := 0
	for d < len(s) && d < 9 && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	return d > 0 && d < len(s) && (s[d] == '.' || s[d] == ')')
}

// entityAt reports whether s starts like the rest of an HTML entity: name;
// or #digits; or #xhex; (up to 32 characters).
func entityAt(s string) bool {
	for i := 0; i < len(s) && i < 33; i++ {
		c := s[i]
		switch {
		case c == ';':
			return i > 0
		case isASCIILetter(c) || c >= '0' && c <= '9' || c == '#' && i == 0:
		default:
			return false
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
