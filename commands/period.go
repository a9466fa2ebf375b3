package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dangke"
)

// Periods as people name them, and the unit, period and file format of
// /统计, /导出 and /周报 read in any order.

// parsePeriod reads 本周, 上周, 本月, 上月, 今年, 全部; a month (7月,
// 2019年7月, 2019-07, 2019.7) or a year (2019年); or a range FROM~TO (also
// 至, 到, and - between two dates: 2019.7.1-2019.7.31) with dates as
// parseDate reads them. It reports whether s names a period at all: a
// range with one readable end is a period with an error, "温县" is none.
func parsePeriod(s string, now time.Time) (dangke.Period, bool, error) {
	p, ok, err := readPeriod(s, now)
	if ok && err == nil && p.From.After(dangke.Midnight(now)) {
		return dangke.Period{}, true, dangke.FieldErrorf("期间", "「%s」（%s起）还没有开始，今天是 %s；可写 本周、本月、上月 或过去的日期。",
			clip(p.Label), p.From.Format(dangke.DateLayout), now.Format(dangke.DateLayout))
	}
	return p, ok, err
}

// readPeriod reads a period as parsePeriod says, a future one too.
func readPeriod(s string, now time.Time) (dangke.Period, bool, error) {
	s = fold(s)
	today := dangke.Midnight(now)
	s = monthDigits(s)
	if p, _, ok, err := readQuarter(s, today); ok {
		return p, true, err
	}
	if w, err := dangke.ParseWeek(strings.ToUpper(s), now.Location()); err == nil && strings.ContainsAny(s, "Ww") {
		w.Label = strings.ToUpper(s)
		return w, true, nil
	}
	month := func(y, m int, label string) dangke.Period {
		from := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, now.Location())
		return dangke.Period{From: from, To: from.AddDate(0, 1, -1), Label: label}
	}
	switch strings.ToLower(s) {
	case "", "全部", "累计", "all":
		return dangke.Period{}, true, nil
	case "本周", "这周", "this-week":
		p := dangke.Week(now)
		p.Label = "本周"
		return p, true, nil
	case "上周", "last-week":
		p := dangke.Week(now.AddDate(0, 0, -7))
		p.Label = "上周"
		return p, true, nil
	case "本月", "这个月", "this-month":
		return month(today.Year(), int(today.Month()), "本月"), true, nil
	case "上月", "上个月", "last-month":
		last := today.AddDate(0, 0, 1-today.Day()).AddDate(0, -1, 0)
		return month(last.Year(), int(last.Month()), "上月"), true, nil
	case "今年", "this-year":
		from := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, now.Location())
		return dangke.Period{From: from, To: from.AddDate(1, 0, -1), Label: "今年"}, true, nil
	case "去年", "last-year":
		from := time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, now.Location())
		return dangke.Period{From: from, To: from.AddDate(1, 0, -1), Label: "去年"}, true, nil
	}
	// 7月: the latest July that has begun.
	if m, ok := strings.CutSuffix(s, "月"); ok && dangke.Digits(m) && len(m) <= 2 {
		n, _ := strconv.Atoi(m)
		if n < 1 || n > 12 {
			return dangke.Period{}, true, dangke.FieldErrorf("期间", "「%s」不是月份，月份为 1 到 12。", clip(s))
		}
		y := today.Year()
		if n > int(today.Month()) {
			y--
		}
		return month(y, n, strconv.Itoa(y)+"年"+m+"月"), true, nil
	}
	// 2019年: the calendar year.
	if y, ok := strings.CutSuffix(s, "年"); ok && dangke.Digits(y) && len(y) == 4 {
		n, _ := strconv.Atoi(y)
		from := time.Date(n, 1, 1, 0, 0, 0, 0, now.Location())
		return dangke.Period{From: from, To: from.AddDate(1, 0, -1), Label: y + "年"}, true, nil
	}
	// 2019年7月, 2019-07, 2019.7, 2019/7.
	if y, m, ok := dangke.ParseYearMonth(strings.TrimSuffix(s, "月")); ok && !dangke.Digits(s) {
		if m < 1 || m > 12 {
			return dangke.Period{}, true, dangke.FieldErrorf("期间", "「%s」不是月份，月份为 1 到 12。", clip(s))
		}
		return month(y, m, strconv.Itoa(y)+"年"+strconv.Itoa(m)+"月"), true, nil
	}
	for _, sep := range []string{"~", "至", "到", "—", "-"} {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], sep)
			if j < 0 {
				break
			}
			a, b := s[:i+j], s[i+j+len(sep):]
			i += j + len(sep)
			from, errA := parseDate("期间", a, now)
			to, errB := parseDate("期间", b, now)
			switch {
			case errA != nil && errB != nil:
				continue // not this separator, or no range at all
			case errA != nil && sep != "-":
				return dangke.Period{}, true, errA
			case errB != nil && sep != "-":
				return dangke.Period{}, true, errB
			case errA != nil || errB != nil:
				continue // 2019-07-01-2019-07-31 splits at other dashes first
			}
			if to.Before(from) {
				return dangke.Period{}, true, dangke.FieldErrorf("期间", "的结束日期早于开始日期。")
			}
			return dangke.Period{From: from, To: to, Label: from.Format(dangke.DateLayout) + "至" + to.Format(dangke.DateLayout)}, true, nil
		}
	}
	// 今天, 昨天, 7月1日, 2019-07-01: that day.
	if d, err := parseDate("期间", s, now); err == nil {
		return dangke.Period{From: d, To: d, Label: d.Format("2006年1月2日")}, true, nil
	}
	return dangke.Period{}, false, nil
}

// monthDigits writes a month named in words as digits: 10月份, 十月,
// 2019年十月 → 10月, 2019年10月; other values come back as they are.
func monthDigits(s string) string {
	if strings.HasSuffix(s, "月份") {
		s = strings.TrimSuffix(s, "份")
	}
	if strings.HasSuffix(s, "月") && !strings.Contains(s, "日") {
		s = cnToDigits(s)
	}
	return s
}

// readQuarter reads a quarter: 本季度, 上季度, 第三季度 or 三季度 or Q3 (the
// latest that has begun), 2019年第三季度 or 2019Q3. bare reports a quarter
// named without a year (第三季度, Q3), which the campaign may place.
func readQuarter(s string, today time.Time) (p dangke.Period, bare, ok bool, err error) {
	quarter := func(y, q int, label string) dangke.Period {
		from := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, today.Location())
		return dangke.Period{From: from, To: from.AddDate(0, 3, -1), Label: label}
	}
	this := (int(today.Month())-1)/3 + 1
	switch strings.ToLower(s) {
	case "本季度", "这季度", "本季", "this-quarter":
		return quarter(today.Year(), this, "本季度"), false, true, nil
	case "上季度", "上季", "last-quarter":
		y, q := today.Year(), this-1
		if q == 0 {
			y, q = y-1, 4
		}
		return quarter(y, q, "上季度"), false, true, nil
	}
	year, rest := 0, strings.ToUpper(s)
	if y, r, ok := strings.Cut(rest, "年"); ok && dangke.Digits(y) && len(y) == 4 {
		year, rest = atoi(y), r
	} else if len(rest) == 6 && dangke.Digits(rest[:4]) && rest[4] == 'Q' {
		year, rest = atoi(rest[:4]), rest[4:]
	}
	rest = strings.TrimPrefix(rest, "第")
	var q int
	switch {
	case strings.HasSuffix(rest, "季度"):
		n, ok := cnNumber(strings.TrimSuffix(rest, "季度"))
		if !ok {
			if n, ok = atoiOK(strings.TrimSuffix(rest, "季度")); !ok {
				return dangke.Period{}, false, false, nil
			}
		}
		q = n
	case len(rest) == 2 && rest[0] == 'Q' && dangke.Digits(rest[1:]):
		q = atoi(rest[1:])
	default:
		return dangke.Period{}, false, false, nil
	}
	if q < 1 || q > 4 {
		return dangke.Period{}, false, true, dangke.FieldErrorf("期间", "「%s」不是季度，季度为第一到第四季度。", clip(s))
	}
	bare = year == 0
	if bare {
		year = today.Year()
		if q > this {
			year-- // the latest that has begun, as 7月 is
		}
	}
	return quarter(year, q, fmt.Sprintf("%d年第%s季度", year, "一二三四"[3*(q-1):3*q])), bare, true, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func atoiOK(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// isFormat reports whether s names a file format for /导出.
func isFormat(s string) bool {
	switch strings.ToLower(fold(s)) {
	case "csv", "xlsx", "excel":
		return true
	}
	return false
}

// scopeArgs reads the values of the named fields by their shape, in any
// order: a period (or, with weeks, only 本周 and 上周 and a week or a day
// of it), a file format word, and what is left is the unit. It refuses two
// of one kind and a period it cannot read.
func (c *Call) scopeArgs(weeks bool, fields ...string) (unit, period, format string, err error) {
	unitFrom := "" // the field the unit was written in
	for _, name := range fields {
		v, ok := c.Args[name]
		if !ok || v == "" {
			continue
		}
		var slot *string
		kind := "单位"
		switch {
		case isFormat(v):
			slot, kind, v = &format, "格式", strings.ToLower(fold(v))
			if v == "excel" {
				v = "xlsx"
			}
		case weeks && isWeek(v, c.Now):
			slot, kind, v = &period, "周", c.campaignDay(v)
		case !weeks && isPeriodText(v, c.Now):
			slot, kind, v = &period, "期间", c.campaignPeriod(v)
		default:
			slot = &unit
		}
		if *slot != "" {
			// Two values that read as units: one of them was meant as the
			// period, week or format of the field it was written in.
			bad, field := v, name
			if slot == &unit && unitFrom != "单位" {
				bad, field = unit, unitFrom
			}
			if slot == &unit && field != "单位" {
				return "", "", "", scopeError(field, bad, unit, v)
			}
			return "", "", "", dangke.FieldErrorf(kind, "写了两个（「%s」和「%s」），请只写一个。", clip(*slot), clip(v))
		}
		if slot == &unit {
			unitFrom = name
			if looksLikePeriod(v) {
				// No unit is named 下个月: say what a period may be.
				if weeks {
					return "", "", "", dangke.FieldErrorf("周", "看不懂「%s」，可写 本周、上周、2019-W27 或那一周的某天（2019-07-15）。", clip(v))
				}
				return "", "", "", dangke.FieldErrorf("期间", "看不懂「%s」，可写 本周、上周、本月、上月、7月、第三季度、2019年7月 或 2019-07-01~2019-07-31。", clip(v))
			}
		}
		*slot = v
	}
	return unit, period, format, nil
}

// looksLikePeriod reports whether a value read as a unit is rather a
// period no one could name a unit: it ends in a word of time (下个月,
// 下周, 明天, 第五季度) and has no path in it.
func looksLikePeriod(v string) bool {
	if strings.Contains(v, "/") {
		return false
	}
	for _, end := range []string{"月", "周", "天", "日", "号", "季度", "季", "年", "月份", "星期"} {
		if strings.HasSuffix(v, end) {
			return true
		}
	}
	return false
}

// campaignPeriod writes a period typed without a year as the one in the
// campaign, the way a date without a year is placed (placeDay): 7月 is the
// latest July that has begun and overlaps the campaign (2019年7月 for the
// 2019 campaign), 7.1~7.31 its days. Other periods come back as typed.
func (c *Call) campaignPeriod(v string) string {
	k, today := c.r.cfg.Campaign, dangke.Midnight(c.Now)
	s := monthDigits(fold(v))
	if m, ok := strings.CutSuffix(s, "月"); ok && dangke.Digits(m) && len(m) <= 2 {
		n, _ := strconv.Atoi(m)
		if n < 1 || n > 12 {
			return v
		}
		first, last := k.Start.Year(), k.End.Year()
		for _, inside := range []bool{true, false} {
			for y := last; y >= first; y-- {
				from := time.Date(y, time.Month(n), 1, 0, 0, 0, 0, c.Now.Location())
				to := from.AddDate(0, 1, -1)
				overlaps := !to.Before(dangke.Midnight(k.Start)) && !from.After(dangke.Midnight(k.End))
				if !from.After(today) && (overlaps || !inside) {
					return strconv.Itoa(y) + "年" + m + "月"
				}
			}
		}
		// Only the campaign's month to come: named, so that it is refused
		// as not begun rather than read as last year's.
		for y := last; y >= first; y-- {
			from := time.Date(y, time.Month(n), 1, 0, 0, 0, 0, c.Now.Location())
			if !from.AddDate(0, 1, -1).Before(dangke.Midnight(k.Start)) && !from.After(dangke.Midnight(k.End)) {
				return strconv.Itoa(y) + "年" + m + "月"
			}
		}
		return v
	}
	// 第三季度: the latest third quarter begun that overlaps the campaign.
	if q, bare, ok, err := readQuarter(s, today); ok && err == nil && bare {
		n := (int(q.From.Month())-1)/3 + 1
		var future string
		for y := k.End.Year(); y >= k.Start.Year(); y-- {
			from := time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, c.Now.Location())
			if from.AddDate(0, 3, -1).Before(dangke.Midnight(k.Start)) || from.After(dangke.Midnight(k.End)) {
				continue
			}
			label := fmt.Sprintf("%d年第%s季度", y, "一二三四"[3*(n-1):3*n])
			if !from.After(today) {
				return label
			}
			future = label
		}
		if future != "" {
			return future
		}
		return v
	}
	// 7月1日: that day of the campaign.
	if r, ok := readDate(s, c.Now); ok && !r.year && r.problem == "" && !strings.ContainsAny(s, "~至到") {
		return placeDay(r, today, k).Format(dangke.DateLayout)
	}
	for _, sep := range []string{"~", "至", "到", "—", "-"} {
		a, b, ok := strings.Cut(s, sep)
		if !ok {
			continue
		}
		ra, okA := readDate(a, c.Now)
		rb, okB := readDate(b, c.Now)
		if !okA || !okB || ra.problem != "" || rb.problem != "" || (ra.year && rb.year) {
			continue
		}
		from, to := placeDay(ra, today, k), placeDay(rb, today, k)
		switch {
		case !ra.year && rb.year:
			from = time.Date(to.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location())
		case ra.year && !rb.year:
			to = time.Date(from.Year(), to.Month(), to.Day(), 0, 0, 0, 0, to.Location())
		}
		return from.Format(dangke.DateLayout) + "~" + to.Format(dangke.DateLayout)
	}
	return v
}

// campaignDay writes a day typed without a year (7月15日, a day of the
// week wanted) as the one in the campaign, like a lecture's date; other
// values come back as typed.
func (c *Call) campaignDay(v string) string {
	r, ok := readDate(v, c.Now)
	if !ok || r.year || r.problem != "" {
		return v
	}
	return placeDay(r, dangke.Midnight(c.Now), c.r.cfg.Campaign).Format(dangke.DateLayout)
}

// scopeError refuses a value that is neither a period (week, format) nor
// the only unit.
func scopeError(field, bad, a, b string) error {
	both := fmt.Sprintf("（「%s」和「%s」不能都是单位）", clip(a), clip(b))
	switch field {
	case "周":
		return dangke.FieldErrorf("周", "看不懂「%s」%s，可写 本周、上周、2019-W27 或那一周的某天（2019-07-15）。", clip(bad), both)
	case "格式":
		return dangke.FieldErrorf("格式", "应为 xlsx 或 csv，收到「%s」。", clip(bad))
	}
	return dangke.FieldErrorf("期间", "看不懂「%s」%s，可写 本周、上周、本月、7月、2019年7月 或 2019-07-01~2019-07-31。", clip(bad), both)
}

func isPeriodText(s string, now time.Time) bool {
	_, ok, _ := parsePeriod(s, now)
	return ok
}

// isWeek reports whether s names a week for /周报: 本周, 上周, 2019-W27, or
// a day of it.
func isWeek(s string, now time.Time) bool {
	switch strings.ToLower(fold(s)) {
	case "本周", "这周", "上周", "this-week", "last-week":
		return true
	}
	if _, err := dangke.ParseWeek(strings.ToUpper(fold(s)), now.Location()); err == nil {
		return true
	}
	_, err := parseDate("周", s, now)
	return err == nil
}

// parseWeek reads a week named as isWeek accepts, and the day the digest
// of it is made: the day after the week for a past week, now for this one.
func parseWeek(s string, now time.Time) (week dangke.Period, today time.Time, err error) {
	switch strings.ToLower(fold(s)) {
	case "", "本周", "这周", "this-week":
		return dangke.Week(now), now, nil
	case "上周", "last-week":
		week = dangke.Week(now.AddDate(0, 0, -7))
		return week, week.To.AddDate(0, 0, 1), nil
	}
	week, err = dangke.ParseWeek(strings.ToUpper(fold(s)), now.Location())
	if err != nil {
		d, derr := parseDate("周", s, now)
		if derr != nil {
			return dangke.Period{}, now, dangke.FieldErrorf("周", "看不懂「%s」，可写 本周、上周、2019-W27 或那一周的某天（2019-07-15）。", clip(s))
		}
		week = dangke.Week(d)
	}
	this := dangke.Week(now)
	switch {
	case week.From.After(this.From):
		return dangke.Period{}, now, dangke.FieldErrorf("周", "「%s」还没有到，周报只能看本周和过去的周。", clip(s))
	case week.From.Equal(this.From):
		return week, now, nil
	}
	return week, week.To.AddDate(0, 0, 1), nil
}
