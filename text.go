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
