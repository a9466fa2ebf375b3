package dangke

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckText validates a free-text field: present, at most max characters,
// no control characters; label names the field in the message.
func CheckText(label, s string, max int) error { return checkText(label, s, max) }

// checkText validates a free-text field: present, at most max characters,
// no control characters. label names the field in the message.
func checkText(label, s string, max int) error {
	if s == "" {
		return FieldErrorf(label, "不能为空。")
	}
	if !utf8.ValidString(s) {
		return FieldErrorf(label, "含有无法识别的字符。")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return FieldErrorf(label, "最多 %d 个字，收到 %d 个字。", max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return FieldErrorf(label, "含有控制字符，请重新输入。")
		}
	}
	return nil
}

// CheckName validates a person's name as lecturers' names are validated;
// label names the field in the message.
func CheckName(label, s string) error { return checkName(label, s) }

// checkName validates a person's name: 1 to 20 letters, with the middle dot
// of transcribed names and inner spaces allowed, nothing else.
func checkName(label, s string) error {
	if err := checkText(label, s, 20); err != nil {
		return err
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !strings.ContainsRune("·• .", r) {
			return FieldErrorf(label, "只能包含文字，「%s」中有「%c」。", s, r)
		}
	}
	return nil
}

// TitleKey folds a lecture title for comparison: full-width letters and
// digits become ASCII, letters lower case, and quotes, punctuation, symbols
// and spaces go, so that 《我和我的祖国》, “我和我的祖国” and 我和我的 祖国 are
// the same title.
func TitleKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u3000':
			continue
		case r >= '\uff01' && r <= '\uff5e': // full-width ASCII
			r -= 0xfee0
		}
		if unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// CleanText removes what must never reach a stored field or a reply from a
// message: control characters other than line breaks and tabs, the
// bidirectional overrides and isolates that make 张三 display reversed, and
// zero-width characters that make two equal-looking names differ.
func CleanText(s string) string {
	clean := true
	for _, r := range s {
		if invisible(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

func invisible(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff, r == 0x061c:
		return true
	}
	return false
}

// MaskPhones hides the middle digits of every mainland mobile number in a
// text (138****5678), for what is kept after it was shown: saved replies.
func MaskPhones(s string) string {
	b := []byte(s)
	changed := false
	for i := 0; i+11 <= len(b); i++ {
		if b[i] != '1' || b[i+1] < '3' || b[i+1] > '9' || (i > 0 && isDigit(b[i-1])) || (i+11 < len(b) && isDigit(b[i+11])) {
			continue
		}
		all := true
		for j := i + 2; j < i+11; j++ {
			all = all && isDigit(b[j])
		}
		if all {
			copy(b[i+3:i+7], "****")
			changed = true
			i += 10
		}
	}
	if !changed {
		return s
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
