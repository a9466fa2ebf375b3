package commands

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"dangke"
)

// fold turns what people type on phones into one form for reading numbers,
// dates and keys: full-width letters, digits and punctuation become ASCII
// (NFKC). Free text such as a title is kept as typed, so that its Chinese
// punctuation survives.
func fold(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf && (r < 0x4E00 || r > 0x9FFF) {
			return strings.TrimSpace(norm.NFKC.String(s))
		}
	}
	return strings.TrimSpace(s) // ASCII and common ideographs: NFKC leaves them as they are
}

// token is one argument: a positional value, or key=value.
type token struct {
	Key    string // "" for a positional value
	Value  string
	Quoted bool   // the value was one quoted span: 《…》, “…”, 「…」
	Sep    string // the separators typed before it
}

// closer returns the closing quote for an opening one.
func closer(r rune) (rune, bool) {
	switch r {
	case '《':
		return '》', true
	case '“':
		return '”', true
	case '「':
		return '」', true
	case '『':
		return '』', true
	case '‘':
		return '’', true
	case '"':
		return r, true
	}
	return 0, false
}

// isSep reports whether r separates arguments outside quotes: white space
// (the ideographic space too) and the separators people put between fields,
// in their ASCII and full-width forms.
func isSep(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r)
}

// tokenize splits the text after the command word into tokens. Quoted text
// is one value with its quotes removed, a token of its own unless it follows
// a key (题目=《…》); key=value and key:value are split where the key is a
// plain word before any quote.
func tokenize(s string) ([]token, error) {
	var out []token
	var cur, sep strings.Builder
	quotedAt := -1 // byte offset in cur where the first quote began
	have, whole := false, false
	flush := func() {
		if have {
			t := splitKey(cur.String(), quotedAt)
			t.Quoted = whole && t.Key == ""
			t.Sep = sep.String()
			sep.Reset()
			out = append(out, t)
		}
		cur.Reset()
		quotedAt, have, whole = -1, false, false
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if cl, ok := closer(r); ok {
			end := strings.IndexRune(s[i+n:], cl)
			if end < 0 {
				return nil, dangke.Errorf(dangke.EINVALID, "引号「%c」没有闭合，请检查后重发。", r)
			}
			afterKey := have && strings.ContainsAny(lastRune(cur.String()), "=:＝：")
			if have && !afterKey {
				flush() // 毛红亮支部书记《…》: the title is a token of its own
			}
			if quotedAt < 0 {
				quotedAt = cur.Len()
			}
			whole = !have
			cur.WriteString(s[i+n : i+n+end])
			have = true
			i += n + end + utf8.RuneLen(cl)
			if !afterKey {
				flush()
			}
			continue
		}
		if isSep(r) {
			flush()
			sep.WriteRune(r)
		} else {
			cur.WriteRune(r)
			have = true
		}
		i += n
	}
	flush()
	return out, nil
}

// lastRune returns the last character of s, or "".
func lastRune(s string) string {
	r, n := utf8.DecodeLastRuneInString(s)
	if n == 0 {
		return ""
	}
	return string(r)
}

// splitKey splits "key=value" (also ＝) where the key is a word of letters,
// and "键:值" (also ：) where the key is Chinese, so that values such as
// dingtalk:manager123, https://… and 10:30 stay whole.
func splitKey(s string, quotedAt int) token {
	limit := len(s)
	if quotedAt >= 0 {
		limit = quotedAt
	}
	i := strings.IndexAny(s[:limit], "=:＝：")
	if i <= 0 {
		return token{Value: s}
	}
	sep, n := utf8.DecodeRuneInString(s[i:])
	key, val := s[:i], s[i+n:]
	ascii := true
	for _, r := range key {
		if !unicode.IsLetter(r) {
			return token{Value: s}
		}
		ascii = ascii && r < utf8.RuneSelf
	}
	if (sep == ':' || sep == '：') && ascii {
		return token{Value: s}
	}
	return token{Key: key, Value: val}
}

// parseCount reads a count as people type it: 45, 45人, 45 人次, 30分钟.
func parseCount(label, s string) (int, error) {
	t := fold(s)
	for _, suf := range []string{"人次", "分钟", "人", "名", "次", "分", "位"} {
		t = strings.TrimSuffix(t, suf)
	}
	t = strings.ReplaceAll(strings.TrimSpace(t), ",", "")
	n, err := strconv.Atoi(t)
	if err != nil || len(t) > 9 {
		return 0, dangke.FieldErrorf(label, "应为整数，收到「%s」。", clip(s))
	}
	return n, nil
}

// parseRatio reads 满意=40/42 (satisfied/surveyed).
func parseRatio(label, s string) (num, den int, err error) {
	a, b, ok := strings.Cut(fold(s), "/")
	if !ok {
		return 0, 0, dangke.FieldErrorf(label, "应写作 满意人数/参评人数，如 40/42，收到「%s」。", clip(s))
	}
	if num, err = parseCount(label, a); err == nil {
		den, err = parseCount(label, b)
	}
	if err != nil || num < 0 || den < 1 {
		return 0, 0, dangke.FieldErrorf(label, "应写作 满意人数/参评人数，如 40/42，收到「%s」。", clip(s))
	}
	if num > den {
		return 0, 0, dangke.FieldErrorf(label, "不对：满意 %d 人多于参评 %d 人；应写作 满意人数/参评人数，如 40/42。", num, den)
	}
	return num, den, nil
}

// parseBool reads 是/否 and their English and numeric forms.
func parseBool(label, s string) (bool, error) {
	switch strings.ToLower(fold(s)) {
	case "是", "对", "y", "yes", "true", "1":
		return true, nil
	case "否", "不是", "n", "no", "false", "0":
		return false, nil
	}
	return false, dangke.FieldErrorf(label, "应为「是」或「否」，收到「%s」。", clip(s))
}

// weekday reads the day part of 周五 or 星期日: 1 for Monday to 7 for Sunday.
func weekday(s string) (int, bool) {
	if i := strings.Index("一二三四五六日", s); s != "" && i >= 0 && len(s) == 3 {
		return i/3 + 1, true
	}
	if s == "天" {
		return 7, true
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '7' {
		return int(s[0] - '0'), true
	}
	return 0, false
}

// parseDate reads a date as people type it, relative to now (whose
// location is the campaign's): 2019-07-01, 2019/7/1, 2019.7.1, 20190701,
// 7月1日, 2019年7月1日, 七月一日, 7.1, 7/1, 今天, 昨天, 前天, 周五 (this week),
// 上周五. A date without a year is this year's; the binder places it in the
// campaign instead (campaignDate), and periods do the same (Call.campaignPeriod).
func parseDate(label, s string, now time.Time) (time.Time, error) {
	r, ok := readDate(s, now)
	if !ok {
		return time.Time{}, dangke.FieldErrorf(label, "看不懂「%s」，请写作 2019-07-01、7月1日 或 昨天。", clip(s))
	}
	if r.problem == "" {
		r.problem = weekdayProblem(r)
	}
	if r.problem != "" {
		return time.Time{}, dangke.FieldErrorf(label, "%s。", r.problem)
	}
	return r.day, nil
}

// sentenceStops are the marks that end a sentence; typed after the last
// value (30人。) they are not part of it.
const sentenceStops = "。．.！!"

// trimStop removes the sentence-ending marks after a value.
func trimStop(s string) string {
	return strings.TrimRight(s, sentenceStops)
}

// parseYearMonth reads a birth month: 1985-03, 1985/3, 1985.3, 198503, 1985年3月.
func parseYearMonth(label, s string) (y, m int, err error) {
	y, m, ok := dangke.ParseYearMonth(fold(s))
	if !ok {
		return 0, 0, dangke.FieldErrorf(label, "应写作 1985-03，收到「%s」。", clip(s))
	}
	return y, m, nil
}

// clip shortens user input quoted back in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	r := []rune(s)
	return string(r[:20]) + "…"
}
