package dangke

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PoolTarget is the notice's minimum lecturer pool per county (20人以上).
const PoolTarget = 20

// Instructor is one lecturer in a county's pool: the columns of 附件2.
type Instructor struct {
	ID        int64
	PoolID    int64  // the county whose pool this is
	UnitID    int64  // the unit it was registered for: the chat's unit inside the county, or the county
	Name      string // 姓名
	Gender    string // 男 or 女
	BirthY    int
	BirthM    int
	Workplace string // 附件2's 单位: where the lecturer works, free text (温县第一中学, 县委党校)
	Position  string
	Phone     string // 11 digits

	Author    string
	Chat      string
	CreatedAt time.Time
}

// MaxWorkplace is the longest workplace (附件2's 单位) accepted, in characters.
const MaxWorkplace = 40

// Birth formats the birth month as 附件2 prints it: 1985-03.
func (i *Instructor) Birth() string { return fmt.Sprintf("%04d-%02d", i.BirthY, i.BirthM) }

// MaskedBirth hides the month: 1985-**.
func (i *Instructor) MaskedBirth() string { return fmt.Sprintf("%04d-**", i.BirthY) }

// MaskPhone hides the middle four digits of a mobile number: 138****5678.
func MaskPhone(p string) string {
	if len(p) != 11 {
		return "***"
	}
	return p[:3] + "****" + p[7:]
}

// ParseYearMonth reads a birth month written 1985-03, 1985/3, 1985.3,
// 198503 or 1985年3月 (ASCII digits; fold full-width ones first).
func ParseYearMonth(s string) (y, m int, ok bool) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "月")
	if len(t) == 6 && Digits(t) {
		y, _ = strconv.Atoi(t[:4])
		m, _ = strconv.Atoi(t[4:])
		return y, m, true
	}
	parts := strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune("-/.年", r) })
	if len(parts) == 2 && len(parts[0]) == 4 && Digits(parts[0]) && Digits(parts[1]) && len(parts[1]) <= 2 {
		y, _ = strconv.Atoi(parts[0])
		m, _ = strconv.Atoi(parts[1])
		return y, m, true
	}
	return 0, 0, false
}

// Digits reports whether s is a non-empty run of ASCII digits.
func Digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MinInstructorAge and MaxInstructorAge bound a lecturer's age in years.
const (
	MinInstructorAge = 18
	MaxInstructorAge = 100
)

// Validate checks the 附件2 fields; today is the current day.
func (i *Instructor) Validate(today time.Time) error {
	if err := checkName("姓名", i.Name); err != nil {
		return err
	}
	if i.Gender != "男" && i.Gender != "女" {
		return FieldErrorf("性别", "应为「男」或「女」，收到「%s」。", i.Gender)
	}
	if i.BirthM < 1 || i.BirthM > 12 || i.BirthY < 1000 {
		return FieldErrorf("出生年月", "应为真实的年月，如 1985-03，收到 %d-%02d。", i.BirthY, i.BirthM)
	}
	age := today.Year() - i.BirthY
	if int(today.Month()) < i.BirthM {
		age--
	}
	if age < MinInstructorAge {
		return FieldErrorf("出生年月", " %s 未满 %d 周岁，请核对。", i.MaskedBirth(), MinInstructorAge)
	}
	if age > MaxInstructorAge {
		return FieldErrorf("出生年月", " %s 超过 %d 周岁，请核对。", i.MaskedBirth(), MaxInstructorAge)
	}
	if err := checkText("单位", i.Workplace, MaxWorkplace); err != nil {
		return err
	}
	if err := checkText("职务", i.Position, MaxPosition); err != nil {
		return err
	}
	return CheckPhone(i.Phone)
}

// NormalizePhone returns a mobile number as its 11 digits the way people
// write it: full-width digits folded, spaces, dashes, dots and brackets
// dropped, and a +86, 0086 or (+86) country prefix removed, so that
// 138 1234 5678, 138-1234-5678 and +86 13812345678 are one number. What
// is not a number is returned (with the separators dropped) for CheckPhone
// to refuse.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + r - '０'))
		case r == '＋':
			b.WriteByte('+')
		case strings.ContainsRune(" \t\u00a0\u3000-‐‑–—－.()（）", r):
		default:
			b.WriteRune(r)
		}
	}
	p := b.String()
	for _, prefix := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && (prefix != "86" || len(rest) == 11) {
			return rest
		}
	}
	return p
}

// CheckPhone validates a mainland mobile number: 11 digits starting 13-19,
// as NormalizePhone reads it.
func CheckPhone(p string) error {
	p = NormalizePhone(p)
	for _, r := range p {
		if r < '0' || r > '9' {
			return FieldErrorf("手机号", "只能是数字，收到「%s」。", firstRunes(MaskPhones(p), 20))
		}
	}
	if len(p) != 11 {
		return FieldErrorf("手机号", "应为 11 位数字，收到的是 %d 位。", len(p))
	}
	if p[0] != '1' || p[1] < '3' {
		return FieldErrorf("手机号", "应以 13 至 19 开头，收到「%s」。", p[:3]+"…")
	}
	return nil
}
