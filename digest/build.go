package digest

import (
	"fmt"
	"math"
	"strings"
	"time"

	"dangke"
)

// Digest is one chat's weekly message.
type Digest struct {
	Title string
	Text  string
	Quiet bool // nothing to report: one line
}

// maxNames bounds the units a digest names in one list.
const maxNames = 10

// Build writes the digest of a unit's subtree (nil: the city) from a
// snapshot; late marks a digest sent after its time.
func (s *Snapshot) Build(scope *dangke.Unit, late bool) Digest {
	var st *stats
	name := s.City
	if scope != nil {
		n := s.byID[scope.ID]
		if n == nil {
			return Digest{Title: scope.Name, Text: scope.Path + " 不在单位树中。", Quiet: true}
		}
		st, name = &n.subtree, scope.Path
	} else {
		st = &stats{}
		for _, t := range s.tops() {
			st.add(&t.subtree)
		}
		twice := cityTwice(s.across)
		st.sub(&twice)
	}
	label := dangke.WeekLabel(s.Week)
	title := fmt.Sprintf("%s 周报 %s", name, label)
	head := fmt.Sprintf("📅 %s 周报 · %s（%s至%s）", name, weekName(s.Week), md(s.Week.From), md(s.Week.To))
	if late {
		head += " · 补发"
	}
	reminders := s.reminders(scope, st)
	// A quiet week is one line, unless a figure needs checking: more
	// lecturers than members is said every week until it is put right.
	if st.thisWeek == 0 && st.lastWeek == 0 && len(reminders) == 0 && !s.deadlinePassed() && st.over == 0 &&
		(scope != nil || len(s.show.excellent) == 0) {
		text := fmt.Sprintf("📅 %s %s：本周和上周都没有新的微党课，累计 %d 次。", name, weekName(s.Week), st.lectures)
		if late {
			text += "（补发）"
		}
		return Digest{Title: title, Text: text, Quiet: true}
	}
	var b strings.Builder
	b.WriteString(head)
	fmt.Fprintf(&b, "\n本周微党课 %d 次（上周 %d 次），累计 %d 次，听课 %d 人次", st.thisWeek, st.lastWeek, st.lectures, st.attendees)
	cov := s.doubtful(scope, st)
	switch pct, ok := cov.Coverage(); {
	case ok:
		delta := cov.CoverageMilli() - st.coveragePrev().CoverageMilli()
		fmt.Fprintf(&b, "\n上台率 %s%%（%d/%d），比上周 %s 个百分点", pct, st.covSpeakers, st.covMembers, signedTenths(delta))
	case st.over > 0:
		b.WriteString("\n党员数待核对，暂不计算上台率")
	default:
		b.WriteString("\n党员数未设置，无法计算上台率（管理员可用 /单位 党员数 设置）")
	}
	scopePath := ""
	if scope != nil {
		scopePath = scope.Path
	}
	for _, line := range cov.Doubts(scopePath) {
		b.WriteString("\n" + line)
	}
	fmt.Fprintf(&b, "\n领导干部上台 %d 人", st.leaders)
	s.branchLines(&b, scope)
	if scope != nil && scope.Kind == dangke.KindCounty {
		n := s.pools[scope.ID]
		fmt.Fprintf(&b, "\n师资库 %d/%d 人", n, s.Campaign.PoolTarget)
		if n < s.Campaign.PoolTarget {
			fmt.Fprintf(&b, "，还差 %d 人", s.Campaign.PoolTarget-n)
		}
	}
	s.demoLines(&b, scope)
	s.classroomLines(&b, scope)
	if scope == nil {
		s.rankLines(&b)
	}
	s.deadlineLines(&b)
	for _, r := range reminders {
		b.WriteString("\n⚠ " + r)
	}
	return Digest{Title: title, Text: b.String()}
}

func md(t time.Time) string { return fmt.Sprintf("%d月%d日", t.Month(), t.Day()) }

// weekName names a week with its (ISO) year: 2019年第27周.
func weekName(p dangke.Period) string {
	y, w := p.From.ISOWeek()
	return fmt.Sprintf("%d年第%d周", y, w)
}

// signedTenths prints a change in tenths of a percent: +2.3, -0.5, 0.0.
func signedTenths(d int) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if d == 0 {
		sign = "±"
	}
	return fmt.Sprintf("%s%d.%d", sign, d/10, d%10)
}

// relative names a unit below scope by its path from there.
func relative(u dangke.Unit, scope *dangke.Unit) string {
	if scope == nil {
		return u.Path
	}
	return strings.TrimPrefix(u.Path, scope.Path+"/")
}

// capped is a list of units kept to its first maxNames, and how many
// there are in all.
type capped struct {
	nodes []*node
	n     int
}

func (c *capped) add(n *node) {
	if len(c.nodes) < maxNames {
		c.nodes = append(c.nodes, n)
	}
	c.n++
}

func names(list capped, scope *dangke.Unit) string {
	var out []string
	for _, n := range list.nodes {
		out = append(out, relative(n.unit, scope))
	}
	s := strings.Join(out, "、")
	if list.n > len(list.nodes) {
		s += fmt.Sprintf(" 等 %d 个", list.n)
	}
	return s
}

// idle returns the branches of a subtree with no lecture at all, and those
// whose latest lecture is older than the campaign's idle weeks (the city's
// lists are kept while its reporting units are read).
func (s *Snapshot) idle(scope *dangke.Unit) (never, stale capped) {
	if scope == nil && s.city != nil {
		return s.city.never, s.city.stale
	}
	for _, n := range s.branches(scope) {
		s.idleOne(n, &never, &stale)
	}
	return never, stale
}

// idleOne puts a branch in never or stale when it belongs there.
func (s *Snapshot) idleOne(n *node, never, stale *capped) {
	cutoff := s.Week.To.AddDate(0, 0, -7*s.Campaign.IdleWeeks).Format(dangke.DateLayout)
	switch {
	case n.subtree.lectures == 0:
		never.add(n)
	case n.subtree.last <= cutoff:
		stale.add(n)
	}
}

// unsetBranches returns the branches of a subtree without a member count.
func (s *Snapshot) unsetBranches(scope *dangke.Unit) capped {
	if scope == nil && s.city != nil {
		return s.city.unset
	}
	var out capped
	for _, n := range s.branches(scope) {
		if n.unit.Members == 0 {
			out.add(n)
		}
	}
	return out
}

func (s *Snapshot) branchLines(b *strings.Builder, scope *dangke.Unit) {
	if scope != nil && scope.Kind == dangke.KindBranch {
		return
	}
	never, stale := s.idle(scope)
	if never.n > 0 {
		fmt.Fprintf(b, "\n尚未开展微党课的党支部（%d）：%s", never.n, names(never, scope))
	}
	if stale.n > 0 {
		fmt.Fprintf(b, "\n%d 周以上没有开展的党支部（%d）：%s", s.Campaign.IdleWeeks, stale.n, names(stale, scope))
	}
}

// rankLines shows the reporting units' top and bottom three by coverage.
// Only a unit above 0% can be among the top three; units whose coverage
// cannot be computed are named apart, and a unit with units left out of
// its coverage says how many.
func (s *Snapshot) rankLines(b *strings.Builder) {
	var list, unranked []*node
	for _, n := range ranked(s.tops()) {
		if n.subtree.coverage().CoverageMilli() >= 0 {
			list = append(list, n)
		} else {
			unranked = append(unranked, n)
		}
	}
	if len(list)+len(unranked) == 0 {
		return
	}
	show := func(list []*node) string {
		var out []string
		for _, n := range list {
			pct, _ := n.subtree.coverage().Coverage()
			item := fmt.Sprintf("%s %s%%", n.unit.Name, pct)
			if k := n.subtree.unset + n.subtree.over; k > 0 {
				item += fmt.Sprintf("（%d 个单位未计入）", k)
			}
			out = append(out, item)
		}
		return strings.Join(out, "、")
	}
	top := 0
	for top < min(3, len(list)) && list[top].subtree.coverage().CoverageMilli() > 0 {
		top++
	}
	if top > 0 {
		fmt.Fprintf(b, "\n上台率前三：%s", show(list[:top]))
	} else if len(list) == 0 {
		b.WriteString("\n上台率前三：暂无（没有可排名的单位）")
	} else {
		b.WriteString("\n上台率前三：暂无（还没有单位有党员上台）")
	}
	if rest := len(list) - top; rest > 0 {
		fmt.Fprintf(b, "\n上台率后三：%s", show(list[len(list)-min(3, rest):]))
	}
	if len(unranked) > 0 {
		var out []string
		for _, n := range unranked {
			why := "党员数未设置"
			if n.subtree.over > 0 {
				why = dangke.OverText
			}
			out = append(out, fmt.Sprintf("%s（%s）", n.unit.Name, why))
		}
		fmt.Fprintf(b, "\n未参加排名：%s", strings.Join(out, "、"))
	}
}

// daysLeft counts days from the digest's day to a deadline (0 on the day).
func (s *Snapshot) daysLeft(d dangke.Deadline) int {
	return int(math.Round(d.Date.Sub(s.Today).Hours() / 24))
}

// deadlinePassed reports whether a deadline fell in the digest's week.
func (s *Snapshot) deadlinePassed() bool {
	for _, d := range s.Campaign.Deadlines {
		if !d.Date.Before(s.Week.From) && !d.Date.After(s.Week.To) && s.daysLeft(d) < 0 {
			return true
		}
	}
	return false
}

func (s *Snapshot) deadlineLines(b *strings.Builder) {
	var lines []string
	for _, d := range s.Campaign.Deadlines {
		switch left := s.daysLeft(d); {
		case !d.Date.Before(s.Week.From) && !d.Date.After(s.Week.To) && left < 0:
			lines = append(lines, fmt.Sprintf("%s（%s）已于本周截止", d.Name, md(d.Date)))
		case left == 0:
			lines = append(lines, fmt.Sprintf("%s：今天（%s）截止", d.Name, md(d.Date)))
		case left > 0:
			lines = append(lines, fmt.Sprintf("%s：%s，还有 %d 天", d.Name, md(d.Date), left))
		}
	}
	if len(lines) > 0 {
		b.WriteString("\n⏰ " + strings.Join(lines, "\n⏰ "))
	}
}

// reminders lists, for each deadline inside the reminder window, exactly
// what the scope still lacks for it (Gaps).
func (s *Snapshot) reminders(scope *dangke.Unit, st *stats) []string {
	var out []string
	for _, g := range s.gaps(scope, st) {
		left := g.DaysLeft
		if left < 0 || time.Duration(left)*24*time.Hour > s.Campaign.RemindBefore || g.Missing == "" {
			continue
		}
		lead := fmt.Sprintf("距「%s」还有 %d 天：", g.Deadline.Name, left)
		if left == 0 {
			lead = fmt.Sprintf("「%s」今天截止：", g.Deadline.Name)
		}
		out = append(out, lead+g.Missing)
	}
	return out
}

// Gap is what a unit's subtree still lacks for one of the campaign's
// deadlines, in the digest's words.
type Gap struct {
	Deadline dangke.Deadline
	DaysLeft int    // days from the snapshot's day to the deadline; negative once it has passed
	Missing  string // 师资库不足 20 人：温县（12/20）。 ...; "" when nothing is missing
}

// Gaps returns, for every deadline of the campaign in order, what the
// subtree of scope (nil: the city) still lacks for it: the sentences the
// digest's reminders say before a deadline, for the dashboard too.
func (s *Snapshot) Gaps(scope *dangke.Unit) []Gap {
	st := &stats{}
	if scope != nil {
		n := s.byID[scope.ID]
		if n == nil {
			return nil
		}
		st = &n.subtree
	} else {
		for _, t := range s.tops() {
			st.add(&t.subtree)
		}
	}
	return s.gaps(scope, st)
}

func (s *Snapshot) gaps(scope *dangke.Unit, st *stats) []Gap {
	var out []Gap
	for _, d := range s.Campaign.Deadlines {
		g := Gap{Deadline: d, DaysLeft: s.daysLeft(d)}
		switch d.Requires {
		case dangke.RequirePool:
			var short []string
			for _, t := range s.lacking(d, scope) { // the units a reminder names
				short = append(short, fmt.Sprintf("%s（%d/%d）", t.unit.Name, s.pools[t.unit.ID], s.Campaign.PoolTarget))
			}
			if len(short) > 0 {
				g.Missing = "师资库不足 " + fmt.Sprint(s.Campaign.PoolTarget) + " 人：" + strings.Join(short, "、") + "。"
			}
		case dangke.RequireForm1:
			never, _ := s.idle(scope)
			unset := s.unsetBranches(scope)
			var parts []string
			switch {
			case scope != nil && scope.Kind == dangke.KindBranch && st.lectures == 0:
				parts = append(parts, "本支部还没有开展微党课")
			case never.n > 0:
				parts = append(parts, fmt.Sprintf("%d 个党支部还没有开展微党课", never.n))
			}
			if unset.n > 0 {
				parts = append(parts, fmt.Sprintf("党员数未设置的党支部：%s", names(unset, scope)))
			}
			if st.members == 0 && unset.n == 0 {
				parts = append(parts, "党员数未设置，统计表的“占党员总数”无法计算")
			}
			if len(parts) > 0 {
				g.Missing = strings.Join(parts, "；") + "。"
			}
		case dangke.RequireContest:
			var short []string
			for _, t := range s.lacking(d, scope) {
				short = append(short, fmt.Sprintf("%s（%d/%d）", t.unit.Name, s.entries[t.unit.ID], s.quota))
			}
			if len(short) > 0 {
				g.Missing = "参赛选手未报满：" + strings.Join(short, "、") + "。"
			}
		case dangke.RequireReport:
			if scope == nil || scope.ParentID == 0 {
				g.Missing = "请按时报送。"
			}
		}
		out = append(out, g)
	}
	return out
}
