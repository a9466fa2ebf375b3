package commands

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dangke"
)

// This file reads a lecture told as one sentence, as voice input types it:
// 我们支部书记原志刚昨天上午给大家讲了一堂微党课题目是不忘初心牢记使命一共来了38名党员.
// It finds the date, the count, the post and the name beside it, and the
// title after 讲了/题目是; what it cannot find once and only once is left for
// the router to ask, with what was read shown back.

// speechWords mark a sentence rather than a list of fields.
var speechWords = []string{"讲了", "讲的", "讲党课", "上了一堂", "给大家", "给支部", "来了", "到了", "参加", "听了", "题目是"}

// sentence reports whether the message is told as a sentence.
func (b *binder) sentence(bare []piece) bool {
	for _, p := range bare {
		if !p.Quoted && runes(p.Value) >= 8 && containsAny(p.Value, speechWords...) {
			return true
		}
		if !p.Quoted && runes(p.Value) >= 5 && strings.HasPrefix(p.Value, "讲") && !strings.HasPrefix(p.Value, "讲课") {
			return true // 讲我亲历的七十年
		}
	}
	return false
}

// Patterns of a sentence.
var (
	reQuoted     = regexp.MustCompile(`《([^》]+)》|“([^”]+)”|「([^」]+)」|"([^"]+)"`)
	reRelDate    = regexp.MustCompile(`去年|前年|今天|今日|今早|今晚|昨天|昨日|昨晚|前天|前晚|(?:上个|上|这个|这|本)?(?:礼拜|星期|周)[一二三四五六日天1-7]|七一|八一|建党节|建军节`)
	reApprox     = regexp.MustCompile(`[零〇一二两三四五六七八九十百千\d]+(?:多|几|余|来)(?:个人|人|名|个|位)|没法统计|无法统计|数不清`)
	reCountAfter = regexp.MustCompile(`(?:听课人数|参加人数|到会人数|参会人数|人数)(?:为|是|有|:|：)?\s*(\d+|[零〇一二两三四五六七八九十百千]+)`)
	reMinutes    = regexp.MustCompile(`半个?小时|\d+分钟|[一二三四五六七八九十]+分钟`)
	reSelf       = regexp.MustCompile(`[（(]([^，,）)]+)[，,]([^）)]+)[）)]`)
)

// nameStops are what may follow a name in a sentence.
var nameStops = []string{"同志", "老师", "给", "在", "讲", "为", "用", "上了", "作", "做", "于", "带", "向", "和", "以", "主讲",
	"昨", "今", "前天", "上午", "下午", "晚上", "，", ",", "。", " ", "（", "(", "）", ")", "、", "；"}

// titleMarks introduce a title, the strongest first.
var titleMarks = []string{"题目是", "题目为", "题目：", "题目:", "题目", "课题是", "主题是", "叫", "讲的是", "讲了", "讲的", "讲"}

// titleFillers are the words between 讲了 and the title.
var titleFillers = []string{"一堂", "一次", "一节", "一课", "专题", "微型", "微", "党课", "是", "：", ":", " "}

// titleEnds end an unquoted title in a sentence.
var titleEnds = []string{"，", ",", "。", "；", ";", "！", " ", "一共", "共计", "来了", "到了", "到场", "参加", "听课", "效果", "讲得"}

// slogans fixes voice-input homophones inside the campaign's fixed slogans.
var slogans = strings.NewReplacer("不忘出心", "不忘初心", "不忘初新", "不忘初心", "牢记使名", "牢记使命")

// span is a found part of the sentence, by byte offsets.
type span struct{ from, to int }

// readSentence reads the lecture's fields out of the whole message.
func (b *binder) readSentence() error {
	c, cmd := b.c, b.c.Cmd
	text := b.text()
	var used []span
	mark := func(from, to int) { used = append(used, span{from, to}) }
	post, name, title := cmd.kindField(KPost), cmd.kindField(KName), cmd.titleField()
	dateField, countField := cmd.kindField(KDate), cmd.countField()

	// Titles in quotes.
	var titles []string
	for _, m := range reQuoted.FindAllStringSubmatchIndex(text, -1) {
		for g := 2; g < len(m); g += 2 {
			if m[g] >= 0 {
				titles = append(titles, text[m[g]:m[g+1]])
			}
		}
		mark(m[0], m[1])
	}
	// Dates.
	days := map[string]string{}
	var dateProblem string
	addDate := func(s string, from, to int) {
		mark(from, to)
		r, ok := readDate(s, c.Now)
		switch {
		case !ok:
		case r.refuse:
			dateProblem = "!" + r.problem
		case r.problem != "":
			dateProblem = r.problem
		default:
			day, err := campaignDate(dateField.label(), s, r, c.Now, c.r.cfg.Campaign)
			if err != nil {
				dateProblem = strings.TrimPrefix(dangke.ErrorMessage(err), dateField.label())
				return
			}
			days[day.Format(dangke.DateLayout)] = s
		}
	}
	for _, m := range reNumDate.FindAllStringIndex(text, -1) {
		addDate(text[m[0]:m[1]], m[0], m[1])
	}
	for _, m := range reCnDate.FindAllStringIndex(text, -1) {
		addDate(text[m[0]:m[1]], m[0], m[1])
	}
	for _, m := range reRelDate.FindAllStringIndex(text, -1) {
		if overlaps(used, m[0], m[1]) {
			continue
		}
		s := text[m[0]:m[1]]
		if s == "去年" || s == "前年" {
			return dangke.FieldErrorf(dateField.label(), "写的是「%s」：往年的党课不在本次活动期间（%s 至 %s），不能登记。", s,
				c.r.cfg.Campaign.Start.Format(dangke.DateLayout), c.r.cfg.Campaign.End.Format(dangke.DateLayout))
		}
		addDate(s, m[0], m[1])
	}
	if strings.HasPrefix(dateProblem, "!") {
		return dangke.FieldErrorf(dateField.label(), "%s，不能登记。", dateProblem[1:])
	}
	// Counts.
	counts := map[int]bool{}
	countProblem := ""
	for _, m := range reApprox.FindAllStringIndex(text, -1) {
		countProblem = fmt.Sprintf("「%s」不是确切的人数", text[m[0]:m[1]])
		mark(m[0], m[1])
	}
	for _, m := range reCount.FindAllStringSubmatchIndex(text, -1) {
		if overlaps(used, m[0], m[1]) {
			continue
		}
		r, ok := readCount(text[m[0]:m[1]])
		if !ok || r.problem != "" {
			countProblem = fmt.Sprintf("「%s」不是确切的人数", text[m[0]:m[1]])
			mark(m[0], m[1])
			continue
		}
		if r.n <= 1 { // 一位老党员, 一个人
			continue
		}
		counts[r.n] = true
		mark(m[0], m[1])
	}
	for _, m := range reCountAfter.FindAllStringSubmatchIndex(text, -1) {
		if overlaps(used, m[2], m[3]) {
			continue
		}
		if r, ok := readCount(text[m[2]:m[3]]); ok && r.problem == "" {
			counts[r.n] = true
		}
		mark(m[0], m[1])
	}
	// Minutes.
	minutes := 0
	for _, m := range reMinutes.FindAllStringIndex(text, -1) {
		if n, ok := readMinutes(text[m[0]:m[1]]); ok {
			minutes = n
		}
		mark(m[0], m[1])
	}
	// The speaker and the post.
	people := findPeople(text)
	if m := reSelf.FindStringSubmatchIndex(text); m != nil {
		n, p := strings.TrimSpace(text[m[2]:m[3]]), strings.TrimSpace(text[m[4]:m[5]])
		if isName(n) && isPost(p) {
			people = append(people, person{name: n, post: p, from: m[0], to: m[1]})
		}
	}
	names := map[string]bool{}
	for _, p := range people {
		names[p.name] = true
		mark(p.from, p.to)
	}
	if len(names) > 1 || len(titles) > 1 {
		var list []string
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		if len(list) > 1 {
			return dangke.FieldErrorf(name.label(), "有%d位（%s）：一条 %s 只登记一次讲课，请分开发送。", len(list), strings.Join(list, "、"), cmd.Title())
		}
		return dangke.FieldErrorf(title.label(), "有%d个：一条 %s 只登记一次讲课，请分开发送。", len(titles), cmd.Title())
	}
	// The title.
	end := 0
	for _, p := range people {
		end = max(end, p.to)
	}
	found := ""
	if len(titles) == 1 {
		found = titles[0]
	} else {
		found = titleAfter(text, end, used)
	}
	// Put what was read in place.
	var read []string
	if len(people) == 1 {
		p := people[0]
		c.Args[name.Name] = p.name
		read = append(read, name.Name+"="+p.name)
		if p.bare {
			b.hold(post, fmt.Sprintf("「%s%s」只写了%s：是支部书记、党委书记还是别的职务？", p.name, p.post, p.post))
		} else if p.post != "" {
			c.Args[post.Name] = p.post
			read = append(read, post.Name+"="+p.post)
		}
	}
	if found != "" && runes(found) <= dangke.MaxTitle {
		c.Args[title.Name] = slogans.Replace(found)
		read = append(read, title.Name+"="+c.Args[title.Name])
	}
	switch {
	case dateProblem != "":
		b.hold(dateField, dateField.label()+sentenceEnd(dateProblem))
	case len(days) > 1:
		var ds []string
		for d := range days {
			ds = append(ds, d)
		}
		sort.Strings(ds)
		b.hold(dateField, fmt.Sprintf("有两个日期（%s），是哪一天？", strings.Join(ds, "、")))
	case len(days) == 1:
		for d := range days {
			c.Args[dateField.Name] = d
			read = append(read, dateField.Name+"="+d)
		}
	}
	switch {
	case countProblem != "":
		b.hold(countField, countField.label()+countProblem+"，请写一个数。")
	case len(counts) > 1:
		var ns []string
		for n := range counts {
			ns = append(ns, strconv.Itoa(n))
		}
		sort.Strings(ns)
		b.hold(countField, fmt.Sprintf("有两个人数（%s），听课的是多少人？", strings.Join(ns, "、")))
	case len(counts) == 1:
		for n := range counts {
			c.Args[countField.Name] = strconv.Itoa(n)
			read = append(read, countField.Name+"="+strconv.Itoa(n))
		}
	}
	if f := cmd.field("分钟"); f != nil && minutes > 0 {
		c.Args[f.Name] = strconv.Itoa(minutes)
	}
	if f := cmd.field("venue"); f != nil {
		if v := venueIn(text, f); v != "" {
			c.Args[f.Name] = v
		}
	}
	if c.missing() != nil && len(read) > 0 {
		b.c.unsure = append([]string{"我读到的：" + strings.Join(read, "，") + "。"}, b.c.unsure...)
	}
	return nil
}

// overlaps reports whether from..to overlaps a used span.
func overlaps(used []span, from, to int) bool {
	for _, u := range used {
		if from < u.to && u.from < to {
			return true
		}
	}
	return false
}

// person is a post and a name found side by side in a sentence.
type person struct {
	name, post string
	bare       bool // the post is only the honorific 书记
	from, to   int
}

// findPeople finds 组织委员卫红霞 (a post, then a name) and 岳振东校长 (a
// name, then a post) in a sentence.
func findPeople(text string) []person {
	var out []person
	seen := map[string]bool{}
	add := func(p person) {
		if !seen[p.name] {
			seen[p.name] = true
			out = append(out, p)
		}
	}
	cores := append([]string(nil), postCores...)
	sort.SliceStable(cores, func(i, j int) bool { return len(cores[i]) > len(cores[j]) })
	for i := 0; i < len(text); {
		matched := false
		for _, core := range cores {
			if !strings.HasPrefix(text[i:], core) {
				continue
			}
			j := i + len(core)
			if n := nameAt(text, j); n != "" {
				from := modifiersBefore(text, i)
				add(person{name: n, post: text[from:j], from: from, to: j + len(n)})
				i = j + len(n)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		// A name, then its post: 岳振东校长给.
		for _, n := range []int{3, 2} {
			cand := firstRunes(text[i:], n)
			if !isName(cand) || (i > 0 && !boundaryBefore(text, i)) {
				continue
			}
			after := text[i+len(cand):]
			for _, core := range cores {
				if strings.HasPrefix(after, core) && stopAt(after[len(core):]) {
					add(person{name: cand, post: core, bare: core == "书记" || core == "副书记", from: i, to: i + len(cand) + len(core)})
					matched = true
					break
				}
			}
			if matched {
				break
			}
		}
		_, size := firstRune(text[i:])
		i += size
	}
	return out
}

// boundaryBefore reports whether a name may start at i: after a
// separator, a time word or a date.
func boundaryBefore(text string, i int) bool {
	before := text[:i]
	for _, w := range []string{" ", "，", ",", "、", "上午", "下午", "晚上", "今天", "昨天", "前天", "日", "号", "厅", "室", "里"} {
		if strings.HasSuffix(before, w) {
			return true
		}
	}
	return false
}

// nameAt returns the name that starts at byte i of text and is followed by
// a word that may follow a name, or "".
func nameAt(text string, i int) string {
	for _, n := range []int{3, 2, 4} {
		cand := firstRunes(text[i:], n)
		if runes(cand) != n || !isName(cand) {
			continue
		}
		if stopAt(text[i+len(cand):]) {
			return cand
		}
	}
	return ""
}

// stopAt reports whether s starts with a word that may follow a name.
func stopAt(s string) bool {
	if s == "" {
		return true
	}
	for _, w := range nameStops {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// modifiersBefore extends a post backwards over its modifiers (村党支部书记).
func modifiersBefore(text string, i int) int {
	for {
		found := false
		for _, m := range postModifiers {
			if strings.HasSuffix(text[:i], m) && len(m) > 0 {
				i -= len(m)
				found = true
				break
			}
		}
		if !found {
			return i
		}
	}
}

// titleAfter finds an unquoted title after the speaker: after 题目是, 叫,
// 讲了 …, up to a comma, a space or the count.
func titleAfter(text string, from int, used []span) string {
	for _, mark := range titleMarks {
		i := strings.Index(text[from:], mark)
		if i < 0 {
			continue
		}
		start := from + i + len(mark)
		for {
			trimmed := false
			for _, f := range titleFillers {
				if strings.HasPrefix(text[start:], f) {
					start += len(f)
					trimmed = true
				}
			}
			if !trimmed {
				break
			}
		}
		end := len(text)
		for _, e := range titleEnds {
			if k := strings.Index(text[start:], e); k >= 0 && start+k < end {
				end = start + k
			}
		}
		for _, u := range used {
			if u.from >= start && u.from < end {
				end = u.from
			}
		}
		t := strings.TrimSpace(text[start:end])
		if r, _ := firstRune(text[end:]); isCnNumeral(r) || unicode.IsDigit(r) {
			t = trimHedge(t) // 党员的样子大概三十人
		}
		if runes(t) >= 2 {
			return t
		}
	}
	return ""
}

// hedges are the words that make a count approximate (大概三十人, 30人左右);
// they belong to the count, never to the title before it.
var hedges = []string{"差不多", "大概", "大约", "左右", "来人", "约"}

// trimHedge removes the hedge words at the end of a title.
func trimHedge(t string) string {
	for {
		cut := false
		for _, h := range hedges {
			if rest, ok := strings.CutSuffix(t, h); ok {
				t, cut = strings.TrimSpace(rest), true
			}
		}
		if !cut {
			return t
		}
	}
}

// venueIn finds 在村委会 / 在社区活动室 and maps it onto one venue, or "".
func venueIn(text string, f *Field) string {
	i := strings.Index(text, "在")
	for i >= 0 {
		rest := text[i+len("在"):]
		end := len(rest)
		for _, e := range []string{"给", "讲", "，", ",", " ", "为", "的", "上"} {
			if k := strings.Index(rest, e); k >= 0 && k < end {
				end = k
			}
		}
		place := rest[:end]
		if v := choiceOf(f, place); v != place && containsFold(f.Choices, v) {
			return v
		}
		next := strings.Index(rest, "在")
		if next < 0 {
			break
		}
		i += len("在") + next
	}
	return ""
}

// firstRunes returns the first n characters of s.
func firstRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := firstRune(s[i:])
		i += size
	}
	return s[:i]
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
