package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dangke"
)

// This file reads a token by its shape: a date, a count, a post, a name.
// The binder (prompt.go) uses it to put each argument in its field whatever
// the order it was typed in; the sentence reader (sentence.go) uses it to
// find the fields inside a voice-typed sentence.

// cnDigit returns the value of a Chinese numeral digit.
func cnDigit(r rune) (int, bool) {
	switch r {
	case '零', '〇':
		return 0, true
	case '一':
		return 1, true
	case '二', '两':
		return 2, true
	case '三':
		return 3, true
	case '四':
		return 4, true
	case '五':
		return 5, true
	case '六':
		return 6, true
	case '七':
		return 7, true
	case '八':
		return 8, true
	case '九':
		return 9, true
	}
	return 0, false
}

// isCnNumeral reports whether r is part of a Chinese number.
func isCnNumeral(r rune) bool {
	_, ok := cnDigit(r)
	return ok || r == '十' || r == '百' || r == '千'
}

// cnNumber reads a whole Chinese number below 10,000 (四十五, 一百二十,
// 二〇一九 digit by digit). A range such as 三四十 or 二十五六 is not a number.
func cnNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	if !strings.ContainsAny(s, "十百千") { // digit by digit: 二〇一九
		n := 0
		for _, r := range s {
			d, ok := cnDigit(r)
			if !ok {
				return 0, false
			}
			n = n*10 + d
		}
		if utf8.RuneCountInString(s) > 1 && strings.ContainsRune(s, '两') {
			return 0, false
		}
		return n, utf8.RuneCountInString(s) <= 4
	}
	total, digit, have := 0, 0, false
	last := 10000
	for _, r := range s {
		if d, ok := cnDigit(r); ok {
			if have && d != 0 { // two digits in a row: 三四十, 二十五六
				return 0, false
			}
			digit, have = d, d != 0
			continue
		}
		unit := map[rune]int{'十': 10, '百': 100, '千': 1000}[r]
		if unit == 0 || unit >= last {
			return 0, false
		}
		if !have {
			if unit != 10 || total != 0 {
				return 0, false
			}
			digit = 1 // 十五
		}
		total += digit * unit
		digit, have, last = 0, false, unit
	}
	return total + digit, true
}

// Patterns of dates and counts inside a longer text.
var (
	reNumDate = regexp.MustCompile(`(?:(\d{4}|\d{2})[年./-])?(\d{1,2})[月./-](\d{1,2})[日号曰]?|(\d{4})(\d{2})(\d{2})`)
	reCnDate  = regexp.MustCompile(`(?:([零〇一二三四五六七八九]{4})年)?([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日号]`)
	reCount   = regexp.MustCompile(`(\d+|[零〇一二两三四五六七八九十百千]+)\s*(?:个人|人次|人|名|个|位)`)
)

// cnToDigits writes the Chinese numerals of a date (七月十五日,
// 二〇一九年八月十日) in digits.
func cnToDigits(s string) string {
	if !strings.ContainsAny(s, "年月") {
		return s
	}
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) > 0 {
			if n, ok := cnNumber(string(run)); ok {
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteString(string(run))
			}
			run = run[:0]
		}
	}
	for _, r := range s {
		if isCnNumeral(r) && r != '两' {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// dateHints and countHints are characters that every date, and every
// count, contains one of: a quick test before reading a token.
const (
	dateHints  = "0123456789０１２３４５６７８９月日号曰今昨前上这本周星礼七八五国建去"
	countHints = "0123456789０１２３４５６７８９零〇一二两三四五六七八九十百千"
)

// dayParts are the words after a date that say when in the day it was.
var dayParts = []string{"上午", "下午", "晚上", "早上", "中午", "傍晚", "晚", "早"}

// holidays are the days people name by their number: 七一 is 1 July.
var holidays = map[string][2]int{"七一": {7, 1}, "八一": {8, 1}, "五一": {5, 1}, "国庆": {10, 1}, "国庆节": {10, 1}, "建党节": {7, 1}, "建军节": {8, 1}}

// weekWords are the ways of naming a week, with how many weeks before this one.
var weekWords = []struct {
	prefix string
	weeks  int
	bare   bool // 周三 alone: this week's, asked about when it is still to come
}{
	{"上个礼拜", -1, false}, {"上礼拜", -1, false}, {"上个星期", -1, false}, {"上星期", -1, false}, {"上周", -1, false},
	{"这个礼拜", 0, false}, {"这礼拜", 0, false}, {"这个星期", 0, false}, {"这星期", 0, false}, {"这周", 0, false},
	{"本周", 0, false}, {"本星期", 0, false},
	{"礼拜", 0, true}, {"星期", 0, true}, {"周", 0, true},
}

// dateReading is what a date-shaped token says.
type dateReading struct {
	day     time.Time
	year    bool   // the year is fixed: written, or the day is counted from today (昨天, 上周五)
	problem string // why the day cannot be taken as it stands; empty when it can
	refuse  bool   // no answer can fix it: a lecture of an earlier year
	weekday int    // 1 (Monday) … 7: the weekday written in brackets after the date, checked once its year is known
}

// readDate reads s as a date relative to now. ok is false when s does not
// look like a date at all. A date that looks like one but cannot be taken
// (a day that does not exist, 28号 without a month, 周三 still to come)
// comes back with a problem to ask about.
func readDate(s string, now time.Time) (r dateReading, ok bool) {
	if !strings.ContainsAny(s, dateHints) {
		return dateReading{}, false
	}
	t := strings.ReplaceAll(fold(s), " ", "")
	t = strings.ReplaceAll(t, "曰", "日")
	today := dangke.Midnight(now)
	// A weekday in brackets after a date must agree with it: 7月31日(周三).
	wantWeekday := 0
	if i := strings.IndexAny(t, "(（"); i > 0 && strings.HasSuffix(t, ")") {
		inner := strings.Trim(t[i:], "()（）")
		t = t[:i]
		for _, w := range weekWords {
			if rest, ok := strings.CutPrefix(inner, w.prefix); ok && w.bare {
				wantWeekday, _ = weekday(rest)
			}
		}
	}
	for pass := 0; pass < 2; pass++ {
		switch t {
		case "今天", "今日", "今早", "今晚", "今天晚上", "今儿":
			return dateReading{day: today, year: true}, true
		case "昨天", "昨日", "昨晚", "昨儿", "昨天晚上":
			return dateReading{day: today.AddDate(0, 0, -1), year: true}, true
		case "前天", "前日", "前晚", "前天晚上":
			return dateReading{day: today.AddDate(0, 0, -2), year: true}, true
		}
		if pass == 0 {
			for _, p := range dayParts {
				if strings.HasSuffix(t, p) && t != p {
					t = strings.TrimSuffix(t, p)
					break
				}
			}
		}
	}
	if strings.HasPrefix(t, "去年") || strings.HasPrefix(t, "前年") {
		return dateReading{problem: fmt.Sprintf("「%s」是往年的日期，不在本次活动期间", clip(s)), refuse: true}, true
	}
	for _, w := range weekWords {
		rest, found := strings.CutPrefix(t, w.prefix)
		if !found {
			continue
		}
		wd, ok := weekday(rest)
		if !ok {
			break
		}
		day := dangke.Week(now).From.AddDate(0, 0, 7*w.weeks+wd-1)
		if day.After(today) {
			return dateReading{problem: fmt.Sprintf("「%s」还没到（今天是%s），是上周的还是写错了？", clip(s), weekdayName(today))}, true
		}
		return dateReading{day: day, year: true}, true
	}
	if md, found := holidays[t]; found {
		return dateReading{day: time.Date(now.Year(), time.Month(md[0]), md[1], 0, 0, 0, 0, now.Location())}, true
	}
	t = cnToDigits(t)
	y, m, d, year, ok := splitDate(t)
	if !ok {
		if n := strings.TrimRight(t, "日号"); n != t && dangke.Digits(n) && len(n) <= 2 {
			return dateReading{problem: fmt.Sprintf("「%s」没写月份，是哪个月？", clip(s))}, true
		}
		return dateReading{}, false
	}
	if !year {
		y = now.Year()
		for m == 2 && d == 29 && time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC).Month() != 2 {
			y-- // 2月29日: a leap year's, placed in the campaign later
		}
	}
	day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, now.Location())
	if day.Year() != y || int(day.Month()) != m || day.Day() != d {
		if m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			return dateReading{problem: fmt.Sprintf("「%s」不是真实的日期", clip(s))}, true
		}
		return dateReading{}, false
	}
	r = dateReading{day: day, year: year, weekday: wantWeekday}
	if year {
		r.problem = weekdayProblem(r)
	}
	return r, true
}

// weekdayProblem says that the weekday written in brackets does not agree
// with the day the date was placed on, or "".
func weekdayProblem(r dateReading) string {
	if r.weekday == 0 || int((r.day.Weekday()+6)%7)+1 == r.weekday {
		return ""
	}
	return fmt.Sprintf("%s 是%s，与括号里的星期不符", r.day.Format(dangke.DateLayout), weekdayName(r.day))
}

// weekdayName is 周一 … 周日.
func weekdayName(t time.Time) string {
	return "周" + string([]rune("日一二三四五六")[t.Weekday()])
}

// splitDate finds year, month and day in the numeric forms of a date:
// 20190701, 2019-7-1, 2019/7/1, 2019.7.1, 2019年7月1日, 19.7.8, 7.1, 7/1
// (month first), 7-1, 7月1日, 7月1号.
func splitDate(t string) (y, m, d int, year, ok bool) {
	if len(t) == 8 && dangke.Digits(t) {
		y, _ = strconv.Atoi(t[:4])
		m, _ = strconv.Atoi(t[4:6])
		d, _ = strconv.Atoi(t[6:])
		return y, m, d, true, true
	}
	if strings.HasSuffix(t, "日") || strings.HasSuffix(t, "号") {
		if !strings.Contains(t, "月") {
			return 0, 0, 0, false, false // 28号: no month
		}
		t = strings.TrimSuffix(strings.TrimSuffix(t, "日"), "号")
	}
	parts := strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune("-/.年月", r) })
	if len(parts) < 2 || len(parts) > 3 || strings.Count(t, "年") > 1 || strings.Count(t, "月") > 1 {
		return 0, 0, 0, false, false
	}
	if strings.Contains(t, "年") && !strings.Contains(t, "月") {
		return 0, 0, 0, false, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if !dangke.Digits(p) || len(p) > 4 {
			return 0, 0, 0, false, false
		}
		nums[i], _ = strconv.Atoi(p)
	}
	if len(nums) == 2 {
		if len(parts[0]) > 2 || len(parts[1]) > 2 {
			return 0, 0, 0, false, false // a year and a month, or a decimal
		}
		return 0, nums[0], nums[1], false, nums[0] >= 1 && nums[0] <= 12 && nums[1] >= 1 && nums[1] <= 31
	}
	switch len(parts[0]) {
	case 4:
	case 2:
		nums[0] += 2000 // 19.7.8
	default:
		return 0, 0, 0, false, false
	}
	if len(parts[1]) > 2 || len(parts[2]) > 2 {
		return 0, 0, 0, false, false
	}
	return nums[0], nums[1], nums[2], true, true
}

// campaignDate places a date read without a year in the campaign (the most
// recent such day that is not after today and lies in the campaign; failing
// that, the campaign's year) and checks every date against the campaign's
// dates, today and the weekday written beside it. A day counted from today
// (昨天, 上周五) is not moved. The error names the field, so that the sender
// can be asked for it again.
func campaignDate(label, typed string, r dateReading, now time.Time, k dangke.Campaign) (time.Time, error) {
	today := dangke.Midnight(now)
	day := placeDay(r, today, k)
	shown := "「" + clip(typed) + "」"
	if iso := day.Format(dangke.DateLayout); fold(typed) != iso {
		shown += "（" + iso + "）"
	}
	if !r.year {
		r.day = day
		if why := weekdayProblem(r); why != "" {
			return time.Time{}, dangke.FieldErrorf(label, "%s。", why)
		}
	}
	if day.After(today) {
		return time.Time{}, dangke.FieldErrorf(label, "%s晚于今天（%s）；只能登记已经讲过的党课。", shown, today.Format(dangke.DateLayout))
	}
	if !inCampaign(day, k) {
		return time.Time{}, dangke.FieldErrorf(label, "%s不在活动期间（%s 至 %s）。", shown,
			k.Start.Format(dangke.DateLayout), k.End.Format(dangke.DateLayout))
	}
	return day, nil
}

// inCampaign reports whether day may be logged in the campaign.
func inCampaign(day time.Time, k dangke.Campaign) bool {
	return k.AcceptOutside || (!day.Before(dangke.Midnight(k.Start)) && !day.After(dangke.Midnight(k.End)))
}

// placeDay gives a date read without a year its year: the most recent
// such day that is not after today and lies in the campaign; when there is
// none, the latest of the campaign's years in which it is not after today
// (else its first), so that a refusal quotes the year meant.
func placeDay(r dateReading, today time.Time, k dangke.Campaign) time.Time {
	day := r.day
	if r.year || day.IsZero() || (!day.After(today) && inCampaign(day, k)) {
		return day
	}
	on := func(y int) (time.Time, bool) {
		t := time.Date(y, day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
		return t, t.Month() == day.Month()
	}
	if k.AcceptOutside {
		for y := day.Year(); y >= day.Year()-1; y-- {
			if t, ok := on(y); ok && !t.After(today) {
				return t
			}
		}
		return day
	}
	first, last := k.Start.Year(), k.End.Year()
	for y := last; y >= first; y-- {
		if t, ok := on(y); ok && !t.After(today) && inCampaign(t, k) {
			return t
		}
	}
	for y := last; y >= first; y-- {
		if t, ok := on(y); ok && !t.After(today) {
			return t
		}
	}
	if t, ok := on(first); ok {
		return t
	}
	return day
}

// countReading is what a count-shaped token says.
type countReading struct {
	n       int
	unit    bool   // written with 人, 名, 个 or 位
	problem string // not one exact figure: 五十多人, 三四十人
	part    string // 党员18人: a part of the audience, named
	planned bool   // 应到 or 原定: not the number who came
}

// countQualifiers are words before a count that say which count it is.
var countQualifiers = []struct {
	word    string
	planned bool
}{
	{"应到", true}, {"原定", true}, {"计划", true}, {"实到", false}, {"到会", false}, {"参加", false}, {"共计", false}, {"一共", false}, {"共", false},
	{"大约", false}, {"大概", false}, {"差不多", false}, {"约", false}, {"来了", false}, {"到了", false}, {"有", false},
}

// audienceParts are the groups an audience is split into: 党员18人 群众7人.
var audienceParts = []string{"党员", "群众", "干部", "职工", "学生", "村民", "居民", "教师", "积极分子"}

// readCount reads s as a count of people. ok is false when s does not look
// like one; a bare number is read, with unit false.
func readCount(s string) (r countReading, ok bool) {
	if !strings.ContainsAny(s, countHints) {
		return countReading{}, false
	}
	t := strings.ReplaceAll(fold(s), " ", "")
	for _, q := range countQualifiers {
		if rest, found := strings.CutPrefix(t, q.word); found {
			t, r.planned = rest, q.planned
			break
		}
	}
	for _, p := range audienceParts {
		if rest, found := strings.CutPrefix(t, p); found && rest != "" {
			t, r.part = rest, p
			break
		}
	}
	t = strings.TrimSuffix(t, "左右")
	for _, suf := range []string{"个人", "人次", "人", "名", "个", "位"} {
		if rest, found := strings.CutSuffix(t, suf); found && rest != "" {
			t, r.unit = rest, true
			break
		}
	}
	if !r.unit && r.part != "" {
		return countReading{}, false
	}
	if dangke.Digits(t) && len(t) <= 9 {
		r.n, _ = strconv.Atoi(t)
		return r, true
	}
	if n, found := cnNumber(t); found {
		r.n = n
		return r, true
	}
	// Not one exact figure: 五十多, 三十几, 二十五六, 三四十, 40-50.
	approx := strings.TrimRight(t, "多几余来")
	allNum := approx != ""
	for _, c := range approx {
		if !isCnNumeral(c) && !unicode.IsDigit(c) && !strings.ContainsRune("-~～至到", c) {
			allNum = false
		}
	}
	if allNum && (r.unit || approx != t) {
		return countReading{problem: fmt.Sprintf("「%s」不是确切的人数", clip(s))}, true
	}
	return countReading{}, false
}

// readMinutes reads a duration: 15分钟, 半小时, 1小时, 一个半小时.
func readMinutes(s string) (int, bool) {
	if !strings.ContainsAny(s, "分时钟") {
		return 0, false
	}
	t := strings.ReplaceAll(fold(s), " ", "")
	switch t {
	case "半小时", "半个小时", "半个钟头":
		return 30, true
	case "一个半小时", "一个半钟头":
		return 90, true
	}
	for _, suf := range []string{"分钟", "分"} {
		if rest, ok := strings.CutSuffix(t, suf); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				return n, true
			}
			if n, ok := cnNumber(rest); ok {
				return n, true
			}
		}
	}
	for _, suf := range []string{"个小时", "小时", "个钟头"} {
		if rest, ok := strings.CutSuffix(t, suf); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				return 60 * n, true
			}
			if n, ok := cnNumber(rest); ok {
				return 60 * n, true
			}
		}
	}
	return 0, false
}

// postCores are the words a 职务 ends with.
var postCores = []string{
	"副书记", "书记", "委员", "党员", "队员", "主任科员", "主任", "主席", "部长", "局长", "县长", "市长", "区长", "镇长", "乡长",
	"村长", "科长", "处长", "校长", "院长", "厅长", "所长", "站长", "队长", "组长", "社长", "行长", "馆长", "园长", "厂长", "经理",
	"董事长", "教师", "老师", "教授", "讲师", "医生", "护士", "村官", "辅导员", "科员", "办事员", "干事", "干部", "职工", "员工",
	"工人", "农民", "会计", "支书", "调研员", "巡视员", "助理", "秘书", "专员", "主管", "民警", "网格员", "学生", "群众", "常委",
	"理事", "总监", "指导员", "政委", "教导员", "宣讲员", "联络员", "信息员", "文书", "记者", "编辑", "工程师", "技术员", "司机",
	"村医", "团员", "积极分子", "班长", "主播",
}

// postModifiers are the words that may stand before a post's core word:
// 村党支部书记, 驻村工作队员, 退休教师.
var postModifiers = []string{
	"驻村工作", "社区居委会", "党总支", "党支部", "团支部", "党委", "总支", "支部", "党组", "县委", "市委", "区委", "镇党委", "乡党委",
	"村委会", "居委会", "村委", "村两委", "人武", "妇联", "工会", "组织", "宣传", "纪检", "统战", "青年", "保密", "社区", "学校",
	"机关", "车间", "企业", "公司", "退休", "离退休", "驻村", "工作", "第一", "常务", "大学生", "党员", "预备", "入党", "教工",
	"教务", "年级", "办公室", "政府", "人大", "政协", "纪委", "监委", "宣传部", "组织部", "统战部", "扶贫", "党建", "主任", "书记",
	"副主任", "副", "老", "村", "镇", "乡", "县", "市", "区", "团", "班", "科", "局", "处", "部", "队", "站", "所", "校", "院",
	"中学", "小学", "医院", "卫生院", "派出所", "分局", "办", "党政", "综治", "后勤", "财务", "人事", "普通", "在职", "流动", "农村",
}

// postSlips are the input-method slips seen in posts: 支布书记.
var postSlips = strings.NewReplacer("支布", "支部", "书纪", "书记", "委圆", "委员", "支布书记", "支部书记")

// isPost reports whether s reads as a 职务: a post's core word after words
// that may modify it (村, 党支部, 退休, 副 …).
func isPost(s string) bool {
	s = postSlips.Replace(s)
	if s == "" || utf8.RuneCountInString(s) > 14 || strings.ContainsAny(s, "的了是给讲在《》“”\"") {
		return false
	}
	for _, core := range postCores {
		if prefix, ok := strings.CutSuffix(s, core); ok && modifiersOnly(prefix) {
			return true
		}
	}
	return false
}

// modifiersOnly reports whether s is made of post modifiers only.
func modifiersOnly(s string) bool {
	for s != "" {
		found := false
		for _, m := range postModifiers {
			if rest, ok := strings.CutPrefix(s, m); ok {
				s, found = rest, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// surnames are the family names a 讲课人 is recognised by.
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜阚权强帅屠豆朴盖练廉禹井祖漆巴丰卿狄索宣晋扈晁芮普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹战慕危银亢嵇湛宾戎勾茅揭尉冶束檀衣展阴昝智幸奉植衡富尧代毋禄"

// compoundSurnames are the two-character family names.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯", "端木", "长孙", "宇文", "司徒", "申屠"}

// notInNames are characters that do not occur in a person's name but do
// in the words around one.
const notInNames = "的了是在给讲为与就也要来去到着过们我你他她它这那个课员记部题目日号参加听说话吧呢啊嗯呃共第党"

// surnameLen returns the length in runes of s's family name, 0 if it has none.
func surnameLen(s string) int {
	for _, c := range compoundSurnames {
		if strings.HasPrefix(s, c) {
			return 2
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	if _, ok := surnameSet[r]; ok {
		return 1
	}
	return 0
}

// surnameSet holds the characters of surnames, for a quick look-up.
var surnameSet = func() map[rune]struct{} {
	m := make(map[rune]struct{}, utf8.RuneCountInString(surnames))
	for _, r := range surnames {
		m[r] = struct{}{}
	}
	return m
}()

// isName reports whether s reads as a Chinese person's name: a family name
// and one to three more characters, none of them a word around a name.
func isName(s string) bool {
	n := utf8.RuneCountInString(s)
	sn := surnameLen(s)
	if sn == 0 || n <= sn || n > sn+2 || isPost(s) {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) || strings.ContainsRune(notInNames, r) {
			return false
		}
	}
	return true
}

// honorifics are the words after a name that are not part of it.
var honorifics = []string{"同志", "老师"}

// stripHonorific drops 同志 and 老师 after a name.
func stripHonorific(s string) string {
	for _, h := range honorifics {
		if rest, ok := strings.CutSuffix(s, h); ok && isName(rest) {
			return rest
		}
	}
	return s
}

// namePost splits a name glued to a post (邱丽党员, 岳振东校长). bare
// reports a post that is only the honorific 书记 or 主任, which does not say
// which post.
func namePost(s string) (name, post string, bare, ok bool) {
	for _, n := range []int{3, 2, 4} {
		if utf8.RuneCountInString(s) <= n {
			continue
		}
		i := len(string([]rune(s)[:n]))
		name, post = s[:i], s[i:]
		if isName(name) && isPost(post) {
			return name, post, post == "书记" || post == "副书记", true
		}
	}
	return "", "", false, false
}

// surnameTitle reports 王书记, 李主任: a family name and a post, no given name.
func surnameTitle(s string) bool {
	sn := surnameLen(s)
	if sn == 0 {
		return false
	}
	rest := string([]rune(s)[sn:])
	for _, core := range postCores {
		if rest == core {
			return true
		}
	}
	return false
}

// isURL reports a web address.
func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
