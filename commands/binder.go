package commands

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dangke"
)

// piece is a positional token waiting for its field, with its place in the message.
type piece struct {
	token
	at int // index among the message's tokens
}

// labelSlips are the input-method slips seen in labels: 讲课任, 日起, 听客人数.
var labelSlips = strings.NewReplacer("任", "人", "起", "期", "客", "课", "曰", "日")

// lookupField finds the field a key names, forgiving an input-method slip.
func (cmd *Command) lookupField(key string) *Field {
	if f := cmd.field(key); f != nil {
		return f
	}
	if strings.ContainsAny(key, "任起客曰") {
		return cmd.field(labelSlips.Replace(key))
	}
	return nil
}

// labelOf returns the field a bare token names as a label (讲课人, title:,
// 日期＝), and whether the token ends in its separator.
func (cmd *Command) labelOf(v string) (*Field, bool) {
	stem := strings.TrimRight(v, "=:＝：")
	if stem == "" {
		return nil, false
	}
	return cmd.lookupField(stem), stem != v
}

// isAssign reports a token that is only = or :.
func isAssign(t token) bool {
	return t.Key == "" && !t.Quoted && strings.Trim(t.Value, "=:＝：") == "" && t.Value != ""
}

// joinLabels turns the ways people label fields without = into key=value:
// `讲课人 = 熊伟`, `title: 不忘初心`, and `姓名 杜永刚 职务 党员` (a label and
// a space, when the message has at least two such labels, or when the label
// names a field that is never positional: 满意 40/42).
func (cmd *Command) joinLabels(tokens []token) []token {
	bareLabels := 0
	labels := make([]*Field, len(tokens))
	for i, t := range tokens {
		if t.Key == "" && !t.Quoted {
			if labels[i], _ = cmd.labelOf(t.Value); labels[i] != nil {
				bareLabels++
			}
		}
	}
	out := make([]token, 0, len(tokens))
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		next := func() (token, bool) {
			j := i + 1
			if j < len(tokens) && isAssign(tokens[j]) {
				j++
			}
			if j >= len(tokens) || tokens[j].Key != "" {
				return token{}, false
			}
			if labels[j] != nil {
				return token{}, false
			}
			i = j
			return tokens[j], true
		}
		switch {
		case t.Key != "" && t.Value == "":
			if v, ok := next(); ok {
				t.Value, t.Quoted = v.Value, v.Quoted
			}
		case t.Key == "" && !t.Quoted && labels[i] != nil:
			sep := strings.ContainsAny(lastRune(t.Value), "=:＝：")
			assign := i+1 < len(tokens) && isAssign(tokens[i+1])
			// A label of a field only ever written with its name (满意 40/42,
			// 时长 6分钟) is one on its own too.
			if sep || assign || bareLabels >= 2 || !labels[i].Positional {
				if v, ok := next(); ok {
					t = token{Key: strings.TrimRight(t.Value, "=:＝："), Value: v.Value, Quoted: v.Quoted, Sep: t.Sep}
				}
			}
		}
		out = append(out, t)
	}
	return out
}

// refusal says why a lecture message is not one to log, or "".
func refusal(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	switch {
	case t == "测试" || t == "test" || t == "测试一下" || t == "ceshi":
		return "这是测试消息，没有登记。"
	case containsAny(t, "删除", "改成", "修改", "忽略之前", "清空"):
		return "/党课 只用来登记一次讲过的党课；删错了请用 /删除 编号，写错了请 /撤销 后重发。"
	case containsAny(t, "代写", "加微信", "微信号", "价格", "优惠", "广告"):
		return "这像是广告，不是党课记录，没有登记。"
	case containsAny(t, "随便编", "编一条", "随便写", "凑够数", "凑数", "看着起", "看着写", "每周都按"):
		return "只能登记真实讲过的党课，不能代编记录。"
	case containsAny(t, "取消了", "没讲成", "改天再讲", "改期"):
		return "讲课取消了就不用登记；讲完后再发 /党课。"
	case strings.Contains(t, "http") && containsAny(t, "这篇文章", "学习一下", "转发", "分享"):
		return "这是分享的文章，不是党课记录，没有登记；讲完党课后再发 /党课。"
	case containsAny(t, "摸鱼", "王大锤", "划水"):
		return "这一条像是玩笑，没有登记；确实讲过请用正式的讲课人和题目重发。"
	}
	return ""
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// kindField returns the command's first field of kind k, or nil.
func (cmd *Command) kindField(k Kind) *Field {
	for i := range cmd.Fields {
		if cmd.Fields[i].Kind == k {
			return &cmd.Fields[i]
		}
	}
	return nil
}

// titleField is the field a quoted token goes to: a KTitle, or a text field called title.
func (cmd *Command) titleField() *Field {
	if f := cmd.kindField(KTitle); f != nil {
		return f
	}
	if f := cmd.field("title"); f != nil && f.Kind == KText {
		return f
	}
	return nil
}

// countField is the positional count a `45人` goes to.
func (cmd *Command) countField() *Field {
	for i := range cmd.Fields {
		if f := &cmd.Fields[i]; f.Kind == KCount && f.Positional {
			return f
		}
	}
	return nil
}

// binder places one message's tokens in their fields.
type binder struct {
	c       *Call
	held    map[string]bool // fields left empty on purpose, to be asked for
	tokens  []token
	titleAt int // the index of a labelled title typed without quotes, or -1
	// readBack is set when a value was not placed by its position (a title
	// where the post goes), so that the question shows what was read.
	readBack bool

	title, link, minutes *Field // looked up once per message
}

// hold leaves field f empty and says why, so that the prompt asks for it.
func (b *binder) hold(f *Field, why string) {
	if f == nil {
		return
	}
	delete(b.c.Args, f.Name)
	if !b.held[f.Name] {
		b.held[f.Name] = true
		b.c.unsure = append(b.c.unsure, why)
	}
}

// free reports whether f can still take a value.
func (b *binder) free(f *Field) bool {
	return f != nil && !b.c.Args.Has(f.Name) && !b.held[f.Name]
}

// text rebuilds the message from its tokens, titles in 《》.
func (b *binder) text() string {
	var s strings.Builder
	for _, t := range b.tokens {
		s.WriteString(t.Sep)
		if t.Key != "" {
			s.WriteString(t.Key + "=")
		}
		if t.Quoted {
			s.WriteString("《" + t.Value + "》")
		} else {
			s.WriteString(t.Value)
		}
	}
	return s.String()
}

// place puts the positional tokens by their shape first, then the rest in
// the order of the positional fields.
func (b *binder) place(bare []piece) error {
	c, cmd := b.c, b.c.Cmd
	post, name, title := cmd.kindField(KPost), cmd.kindField(KName), b.title
	lecture := post != nil && title != nil && name != nil
	if lecture {
		if why := refusal(b.text()); why != "" {
			return dangke.Errorf(dangke.EINVALID, "%s", why)
		}
		if len(bare) > 0 && len(bare) == len(b.tokens) && b.sentence(bare) {
			return b.readSentence()
		}
		bare = splitSlashes(bare)
	}
	if cmd.kindField(KPhone) != nil {
		bare = joinPhone(bare)
	}
	var rest []piece
	var counts []countReading
	var countTexts []string
	var numbers []piece
	dateField := cmd.kindField(KDate)
	var dateSeen string
	for k := 0; k < len(bare); k++ {
		p := bare[k]
		v := p.Value
		if p.Quoted && title != nil {
			if !b.free(title) {
				return dangke.FieldErrorf(title.label(), "有两个（《%s》和《%s》）：一条 %s 只登记一次讲课，请分开发送。", clip(c.Args[title.Name]), clip(v), cmd.Title())
			}
			if err := c.set(title, v); err != nil {
				return err
			}
			continue
		}
		if lecture && !p.Quoted && containsFold(hedges, v) {
			continue // 大概 30人: the hedge belongs to the count
		}
		if isURL(v) {
			if f := b.link; f != nil && b.free(f) {
				if err := c.set(f, v); err != nil {
					return err
				}
				continue
			}
		}
		if dateField != nil {
			if r, ok := readDate(v, c.Now); ok {
				if r.refuse {
					return dangke.FieldErrorf(dateField.label(), "%s，不能登记。", r.problem)
				}
				switch {
				case b.held[dateField.Name]:
				case c.Args.Has(dateField.Name) && dateSeen != "":
					if day, err := campaignDate(dateField.label(), v, r, c.Now, c.r.cfg.Campaign); err != nil || day.Format(dangke.DateLayout) != c.Args[dateField.Name] {
						b.hold(dateField, fmt.Sprintf("有两个日期（%s、%s），是哪一天？", dateSeen, clip(v)))
					}
				case c.Args.Has(dateField.Name):
					b.hold(dateField, fmt.Sprintf("有两个日期（%s、%s），是哪一天？", c.Args[dateField.Name], clip(v)))
				case r.problem != "":
					b.hold(dateField, dateField.label()+sentenceEnd(r.problem))
				default:
					day, err := campaignDate(dateField.label(), v, r, c.Now, c.r.cfg.Campaign)
					if err != nil {
						return err
					}
					c.Args[dateField.Name] = day.Format(dangke.DateLayout)
					dateSeen = v
				}
				continue
			}
		}
		if f := cmd.countField(); f != nil {
			if r, ok := readCount(v); ok && (r.unit || r.problem != "" || r.part != "") {
				counts, countTexts = append(counts, r), append(countTexts, v)
				continue
			} else if ok {
				numbers = append(numbers, p)
				continue
			}
		}
		if f := b.minutes; f != nil && b.free(f) {
			if n, ok := readMinutes(v); ok {
				c.Args[f.Name] = strconv.Itoa(n)
				continue
			}
		}
		if f := cmd.kindField(KPhone); f != nil && b.free(f) && dangke.CheckPhone(fold(v)) == nil {
			c.Args[f.Name] = fold(v)
			continue
		}
		if f := cmd.kindField(KYearMonth); f != nil && b.free(f) {
			if _, _, ok := dangke.ParseYearMonth(fold(v)); ok {
				c.Args[f.Name] = fold(v)
				continue
			}
		}
		if f := cmd.kindField(KRatio); f != nil && b.free(f) && strings.Contains(fold(v), "/") {
			if _, _, err := parseRatio(f.label(), v); err == nil {
				c.Args[f.Name] = fold(v)
				continue
			}
		}
		if f := b.choiceFor(v); f != nil {
			c.Args[f.Name] = choiceOf(f, v)
			continue
		}
		if lecture { // 7月8日41人: cut the date and the count apart, read them again
			if parts := splitGlued([]piece{p}); len(parts) > 1 {
				bare = append(bare[:k:k], append(parts, bare[k+1:]...)...)
				k--
				continue
			}
		}
		rest = append(rest, p)
	}
	if err := b.placeCounts(counts, countTexts, numbers, &rest); err != nil {
		return err
	}
	if lecture {
		rest = b.placePeople(rest, name, post, title)
	}
	if err := b.placeRest(rest, title); err != nil {
		return err
	}
	if b.readBack && c.missing() != nil {
		c.unsure = append([]string{b.readBackLine()}, c.unsure...)
	}
	return nil
}

// choiceFor returns the positional choice field a value is one of.
func (b *binder) choiceFor(v string) *Field {
	for i := range b.c.Cmd.Fields {
		f := &b.c.Cmd.Fields[i]
		if f.Kind == KChoice && f.Positional && b.free(f) && containsFold(f.Choices, fold(v)) {
			return f
		}
	}
	return nil
}

// placeCounts decides the count among the count-shaped tokens: the one
// actually present (实到 over 应到), the parts summed (党员18人 群众7人), a
// lone bare number; two counts, or one that is not exact, are asked about.
func (b *binder) placeCounts(counts []countReading, texts []string, numbers []piece, rest *[]piece) error {
	c := b.c
	f := c.Cmd.countField()
	if f == nil {
		return nil
	}
	if c.Args.Has(f.Name) && len(counts) > 0 {
		b.hold(f, fmt.Sprintf("%s写了两次（%s、%s），是多少？", f.label(), c.Args[f.Name], strings.Join(texts, "、")))
		return nil
	}
	for _, r := range counts {
		if r.problem != "" {
			b.hold(f, f.label()+r.problem+"，请写一个数。")
			return nil
		}
	}
	var actual []countReading
	for _, r := range counts {
		if !r.planned {
			actual = append(actual, r)
		}
	}
	if len(actual) == 0 && len(counts) > 0 {
		actual = counts
	}
	switch {
	case len(actual) == 1:
		c.Args[f.Name] = strconv.Itoa(actual[0].n)
	case len(actual) > 1:
		sum, parts := 0, true
		for _, r := range actual {
			sum += r.n
			parts = parts && r.part != ""
		}
		if !parts {
			b.hold(f, fmt.Sprintf("有两个人数（%s），听课的是多少人？", strings.Join(texts, "、")))
			return nil
		}
		c.Args[f.Name] = strconv.Itoa(sum)
	}
	if len(numbers) == 0 {
		return nil
	}
	// A bare number is the count when nothing else positional takes numbers.
	for i := range c.Cmd.Fields {
		g := &c.Cmd.Fields[i]
		if g != f && g.Positional && b.free(g) && (g.Kind == KText || g.Kind == KCount || g.Kind == KUnit) {
			*rest = append(*rest, numbers...)
			sortPieces(*rest)
			return nil
		}
	}
	if !b.free(f) {
		if !b.held[f.Name] {
			*rest = append(*rest, numbers...)
			sortPieces(*rest)
		}
		return nil
	}
	if len(numbers) > 1 {
		vs := make([]string, len(numbers))
		for i, p := range numbers {
			vs[i] = p.Value
		}
		b.hold(f, fmt.Sprintf("有%d个数字（%s），哪个是%s？", len(numbers), strings.Join(vs, "、"), f.label()))
		return nil
	}
	return c.set(f, numbers[0].Value)
}

func sortPieces(ps []piece) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].at < ps[j-1].at; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// placePeople finds the 职务 and the 讲课人 among what is left: a known
// post, a name, a name glued to a post; an honorific alone is asked about.
func (b *binder) placePeople(rest []piece, name, post, title *Field) []piece {
	c := b.c
	var left []piece
	var names []string
	for _, p := range rest {
		v := stripHonorific(strings.TrimSpace(p.Value))
		switch {
		case isPost(v) && b.free(post):
			c.Args[post.Name] = postSlips.Replace(v)
		case surnameTitle(v) && b.free(name):
			b.hold(name, fmt.Sprintf("「%s」只有姓和职务，请写讲课人的全名。", v))
			if b.free(post) {
				c.Args[post.Name] = string([]rune(v)[surnameLen(v):])
			}
		case isName(v):
			names = append(names, v)
			p.Value = v
			left = append(left, p)
		default:
			if n, ps, bare, ok := namePost(v); ok && (b.free(name) || b.held[name.Name]) && b.free(post) {
				names = append(names, n)
				p.Value = n
				left = append(left, p)
				if bare {
					b.hold(post, fmt.Sprintf("「%s」只写了%s：是支部书记、党委书记还是别的职务？", v, ps))
				} else {
					c.Args[post.Name] = ps
				}
				continue
			}
			left = append(left, p)
		}
	}
	if len(names) > 1 && b.free(name) {
		b.hold(name, fmt.Sprintf("有%d个名字（%s），讲课人是哪一位？", len(names), strings.Join(names, "、")))
	}
	if len(names) == 1 && b.free(name) {
		out := left[:0]
		for _, p := range left {
			if p.Value == names[0] && b.free(name) {
				c.Args[name.Name] = names[0]
				continue
			}
			out = append(out, p)
		}
		left = out
	}
	if b.held[name.Name] {
		out := left[:0]
		for _, p := range left {
			if !isName(p.Value) {
				out = append(out, p)
			}
		}
		left = out
	}
	return left
}

// placeRest gives what is left to the free positional fields in order. A
// value that is no name does not go to a name field while a title is free;
// pieces beyond the last field that follow the title directly are part of it
// (不忘初心，牢记使命).
func (b *binder) placeRest(rest []piece, title *Field) error {
	c := b.c
	var fields []*Field
	for i := range c.Cmd.Fields {
		if f := &c.Cmd.Fields[i]; f.Positional && b.free(f) {
			fields = append(fields, f)
		}
	}
	lastTitleAt := b.titleAt // 题目=新时代 新担当 新作为
	for len(rest) > 0 {
		p := rest[0]
		if lastTitleAt >= 0 && p.at == lastTitleAt+1 && (len(fields) == 0 || len(rest) > len(fields)) && !p.Quoted {
			c.Args[title.Name] += p.Sep + strings.TrimSpace(p.Value)
			lastTitleAt = p.at
			rest = rest[1:]
			continue
		}
		if len(fields) == 0 {
			if last := c.lastPositional(); last != nil && last.Variadic && c.Args.Has(last.Name) {
				sep := p.Sep // as typed: a reason keeps its 、 and ，
				if sep == "" {
					sep = " "
				}
				c.Args[last.Name] += sep + strings.TrimSpace(p.Value)
				rest = rest[1:]
				continue
			}
			if f := c.Cmd.kindField(KName); f != nil && c.Args.Has(f.Name) && isName(p.Value) {
				return dangke.Errorf(dangke.EINVALID, "「%s」写了两次，请只写一次。", f.label())
			}
			if chitchat(p.Value) && c.missing() == nil {
				rest = rest[1:] // 辛苦大家了🙏: said to the group, not a field
				continue
			}
			return dangke.Errorf(dangke.EINVALID, "多出了「%s」，%s 只需要：%s。", clip(p.Value), c.Cmd.Title(), fieldNames(c.Cmd))
		}
		k := 0
		toTitle := fields[0].Kind == KName && !isName(p.Value)
		if fields[0].Kind == KPost && titleLike(p.Value) {
			// A title typed where the post goes: it is the title when
			// that is free, and the post is asked for either way.
			b.readBack = true
			if title == nil || !b.free(title) || !titleLikeOnce(rest) {
				b.hold(fields[0], fmt.Sprintf("「%s」不像职务，讲课人的职务是什么？", clip(p.Value)))
				fields = fields[1:]
				rest = rest[1:]
				continue
			}
			toTitle = true
		}
		if toTitle && title != nil && b.free(title) {
			for i, f := range fields {
				if f == title {
					k = i
				}
			}
		}
		f := fields[k]
		fields = append(fields[:k:k], fields[k+1:]...)
		if err := c.set(f, p.Value); err != nil {
			return err
		}
		if f == title {
			lastTitleAt = p.at
		}
		rest = rest[1:]
	}
	return nil
}

// titleWords are words of titles that no post contains.
var titleWords = []string{"的", "精神", "学习", "贯彻", "初心", "使命", "思想", "时代", "祖国", "奋斗", "理想", "信念", "传承", "弘扬",
	"践行", "不忘", "牢记", "担当", "故事", "榜样", "力量", "红色", "主义", "如何", "怎样", "为什么", "我们", "我和", "！", "？", "：", "——"}

// titleLike reports a value that reads as a title rather than a post:
// Chinese text that is not a post, longer than one or made of a title's words.
func titleLike(v string) bool {
	v = strings.TrimSpace(v)
	han := strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	return han && !isPost(v) && !isName(v) && (runes(v) > 10 || containsAny(v, titleWords...))
}

// titleLikeOnce reports whether exactly one of the pieces reads as a
// title: with two, one of them is likely a long post, and positions decide.
func titleLikeOnce(ps []piece) bool {
	n := 0
	for _, p := range ps {
		if !p.Quoted && titleLike(p.Value) {
			n++
		}
	}
	return n == 1
}

// readBackLine shows what was read of a lecture whose positions were not
// taken as typed: 我读到的：讲课人=马建，题目=…。
func (b *binder) readBackLine() string {
	var read []string
	for _, f := range b.c.Cmd.Fields {
		if f.Positional && b.c.Args.Has(f.Name) {
			read = append(read, f.Name+"="+b.c.Args[f.Name])
		}
	}
	return "我读到的：" + strings.Join(read, "，") + "。"
}

// choiceWords map the words people use onto a choice: 村委会 is 农村.
var choiceWords = map[string][]string{
	dangke.VenueVillage:    {"农村", "村"},
	dangke.VenueCommunity:  {"社区"},
	dangke.VenueSchool:     {"学校", "校园", "中学", "小学", "大学"},
	dangke.VenueEnterprise: {"企业", "公司", "工厂", "车间"},
	dangke.VenueOrgan:      {"机关"},
	"情景":                   {"情景"},
	"文艺":                   {"文艺"},
	"普通":                   {"普通"},
}

// choiceOf returns the choice a value names: itself, or the one choice
// whose words it contains (情景式 → 情景, 村里 → 农村); v when none or more than one.
func choiceOf(f *Field, v string) string {
	if containsFold(f.Choices, v) || strings.ContainsFunc(v, func(r rune) bool { return !unicode.Is(unicode.Han, r) }) {
		return v
	}
	found := ""
	for _, ch := range f.Choices {
		for _, w := range choiceWords[ch] {
			if strings.Contains(v, w) {
				if found != "" && found != ch {
					return v
				}
				found = ch
			}
		}
	}
	if found == "" {
		return v
	}
	return found
}

// runes counts the characters of s.
func runes(s string) int { return utf8.RuneCountInString(s) }

// doubts returns the question to put before running a lecture whose
// reading does not add up: an explicit 领导=是/否 that contradicts the
// post, an implausible count or length. An answered question is not asked again.
func (c *Call) doubts() *Question {
	ask := func(q *Question) *Question {
		if _, answered := c.answers[q.Key]; answered {
			return nil
		}
		return q
	}
	if c.doubt != nil {
		if q := ask(c.doubt); q != nil {
			return q
		}
	}
	post := c.Cmd.kindField(KPost)
	leader := c.Cmd.field("leader")
	if post == nil || leader == nil || leader.Kind != KBool || !c.Args.Has(leader.Name) || !c.Args.Has(post.Name) {
		return nil
	}
	given, err := parseBool(leader.label(), c.Args[leader.Name])
	if err != nil {
		return nil
	}
	p := c.Args[post.Name]
	if guess := dangke.IsLeaderPosition(p); guess != given {
		text := fmt.Sprintf("写了 领导=否，但职务「%s」按规则算领导干部。", p)
		if given {
			text = fmt.Sprintf("写了 领导=是，但职务「%s」不算领导干部；是哪个领导职务？", p)
		}
		return ask(&Question{Key: "领导核对", Text: text + "回复「是」按你写的保存。"})
	}
	return nil
}

// joinPhone puts back together a phone number typed in groups, which the
// separators split: 138 1234 5678, +86 139-0000-1111.
func joinPhone(bare []piece) []piece {
	phoneish := func(p piece) bool {
		return !p.Quoted && p.Value != "" && strings.Trim(fold(p.Value), "+0123456789-()") == ""
	}
	for i := 0; i < len(bare); i++ {
		if !phoneish(bare[i]) || dangke.CheckPhone(bare[i].Value) == nil {
			continue
		}
		joined, j := bare[i].Value, i+1
		for ; j < len(bare) && j < i+4 && phoneish(bare[j]); j++ {
			joined += bare[j].Value
			if dangke.CheckPhone(fold(joined)) == nil {
				return mergePieces(bare, i, j, dangke.NormalizePhone(fold(joined)))
			}
		}
		// Groups that make no number are still one wrong number, so that
		// the refusal counts all its digits.
		if n := len(dangke.NormalizePhone(fold(joined))); j > i+1 && n >= 8 && n <= 14 {
			return mergePieces(bare, i, j-1, joined)
		}
	}
	return bare
}

// mergePieces replaces bare[i..j] with one piece holding v.
func mergePieces(bare []piece, i, j int, v string) []piece {
	merged := bare[i]
	merged.Value = v
	return append(append(append([]piece{}, bare[:i]...), merged), bare[j+1:]...)
}

// splitSlashes splits 雷红/党员 typed with slashes between the fields; a
// date, a ratio or a link keeps its slashes.
func splitSlashes(bare []piece) []piece {
	slash := false
	for _, p := range bare {
		slash = slash || strings.ContainsAny(p.Value, "/／")
	}
	if !slash {
		return bare
	}
	var out []piece
	for _, p := range bare {
		v := p.Value
		if p.Quoted || !strings.ContainsAny(v, "/／") || strings.ContainsFunc(v, func(r rune) bool { return r < 0x80 && r != '/' && (r < '0' || r > '9') }) {
			out = append(out, p)
			continue
		}
		if _, ok := readDate(v, time.Time{}); ok {
			out = append(out, p)
			continue
		}
		if _, _, err := parseRatio("", v); err == nil {
			out = append(out, p)
			continue
		}
		for i, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '／' }) {
			q := p
			q.Value = part
			if i > 0 {
				q.Sep = "/"
			}
			out = append(out, q)
		}
	}
	return out
}

// chitchat reports words said to the group after the fields: 辛苦大家了🙏,
// 效果很好, 谢谢.
func chitchat(s string) bool {
	if containsAny(s, "辛苦", "谢谢", "感谢", "效果很好", "效果不错", "大家", "了", "吧", "啊", "!", "！", "~") {
		return true
	}
	for _, r := range s {
		if r >= 0x1F000 || (r >= 0x2600 && r <= 0x27BF) {
			return true
		}
	}
	return false
}

// splitGlued cuts a date and a count out of a token typed without spaces:
// 7月8日41人.
func splitGlued(bare []piece) []piece {
	var out []piece
	for _, p := range bare {
		v := p.Value
		if p.Quoted {
			out = append(out, p)
			continue
		}
		if !mayBeGlued(v) {
			out = append(out, p)
			continue
		}
		if _, ok := readDate(v, time.Time{}); ok {
			out = append(out, p)
			continue
		}
		if _, ok := readCount(v); ok {
			out = append(out, p)
			continue
		}
		var cuts [][]int
		cuts = append(cuts, reNumDate.FindAllStringIndex(v, -1)...)
		cuts = append(cuts, reCnDate.FindAllStringIndex(v, -1)...)
		for _, m := range reCount.FindAllStringIndex(v, -1) {
			if !overlapsAny(cuts, m) {
				cuts = append(cuts, m)
			}
		}
		if len(cuts) == 0 {
			out = append(out, p)
			continue
		}
		sort.Slice(cuts, func(i, j int) bool { return cuts[i][0] < cuts[j][0] })
		at := 0
		emit := func(s string) {
			if strings.TrimSpace(s) != "" {
				q := p
				q.Value = s
				out = append(out, q)
				p.Sep = ""
			}
		}
		for _, m := range cuts {
			if m[0] < at {
				continue
			}
			before := v[at:m[0]]
			if _, ok := readCount(v[m[0]:m[1]]); ok {
				before = trimHedge(before) // 党员的样子大概30人: the hedge is the count's
			}
			emit(before)
			emit(v[m[0]:m[1]])
			at = m[1]
		}
		emit(v[at:])
	}
	return out
}

func overlapsAny(spans [][]int, m []int) bool {
	for _, s := range spans {
		if m[0] < s[1] && s[0] < m[1] {
			return true
		}
	}
	return false
}

// sentenceEnd ends a reason with a full stop unless it asks a question.
func sentenceEnd(s string) string {
	if strings.HasSuffix(s, "？") || strings.HasSuffix(s, "。") {
		return s
	}
	return s + "。"
}

// mayBeGlued reports whether a token may hold a date or a count glued to
// other text: a digit, 月, or a Chinese numeral before 人/名/个/位.
func mayBeGlued(v string) bool {
	var prev rune
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９', r == '月':
			return true
		case (r == '人' || r == '名' || r == '个' || r == '位') && isCnNumeral(prev):
			return true
		}
		prev = r
	}
	return false
}
