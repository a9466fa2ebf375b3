package dangke

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkText validates a free-text field: present, at most max characters,
// no control characters. label names the field in the message.
func checkText(label, s string, max int) error {
	if s == "" {
		return Errorf(EINVALID, "%s不能为空。", label)
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s含有无法识别的字符。", label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "%s最多 %d 个字，收到 %d 个字。", label, max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "%s含有控制字符，请重新输入。", label)
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
			return Errorf(EINVALID, "%s只能包含文字，「%s」中有「%c」。", label, s, r)
		}
	}
	return nil
}
