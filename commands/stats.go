package commands

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"dangke"
)

func statsCommand(r *Router) *Command {
	return &Command{
		Names:   []string{"统计", "进度"},
		English: []string{"stats"},
		Summary: "查看本单位（或指定单位、全市）的微党课统计",
		Fields: []Field{
			{Name: "单位", Aliases: []string{"unit"}, Kind: KText, Positional: true, Example: "温县 或 全市", Hint: "默认为本群绑定的单位"},
			{Name: "期间", Aliases: []string{"时间", "period"}, Kind: KText, Positional: true, Example: "本周、上周、本月、第三季度 或 2019-07-01~2019-07-31", Hint: "默认为全部"},
		},
		Example: "/统计 全市 本月",
		Perm:    Reader,
		Run:     func(ctx context.Context, c *Call) (*dangke.Reply, error) { return runStats(ctx, c, r.cfg.City) },
	}
}

func runStats(ctx context.Context, c *Call, city string) (*dangke.Reply, error) {
	// The unit and the period in any order: /统计 上周 温县, /统计 7月.
	target, periodText, _, err := c.scopeArgs(false, "单位", "期间")
	if err != nil {
		return nil, err
	}
	p, _, err := parsePeriod(periodText, c.Now)
	if err != nil {
		return nil, err
	}
	unit, whole, err := c.scope(ctx, target)
	if err != nil {
		return nil, err
	}
	if whole {
		return cityStats(ctx, c, city, p)
	}
	if unit == nil {
		return nil, dangke.Errorf(dangke.EINVALID, "本群尚未绑定单位，请写明单位或 全市。")
	}
	text, err := unitStats(ctx, c, unit, p)
	if err != nil {
		return nil, err
	}
	return &dangke.Reply{Text: text}, nil
}

// periodTitle names a period in a heading.
func periodTitle(p dangke.Period, now time.Time) string {
	if p.IsZero() {
		return "累计（截至 " + now.Format("2006年1月2日") + "）"
	}
	if strings.Contains(p.Label, "至") || p.From.Equal(p.To) {
		return p.Label
	}
	return fmt.Sprintf("%s（%s至%s）", p.Label, p.From.Format("1月2日"), p.To.Format("1月2日"))
}

// figureLines prints the figures every stats reply shows; scope is the
// unit's path ("" for the city), from which doubtful units are named.
func figureLines(b *strings.Builder, f dangke.Figures, scope string) {
	fmt.Fprintf(b, "微党课 %d 次，讲课人 %d 人，听课 %d 人次\n", f.Lectures, f.Speakers, f.Attendees)
	switch pct, ok := f.Coverage(); {
	case ok && f.Partial():
		fmt.Fprintf(b, "党员 %d 人，上台率 %s%%（%d/%d，不含下列单位）\n", f.Members, pct, f.CoveredSpeakers, f.CoveredMembers)
	case ok:
		fmt.Fprintf(b, "党员 %d 人，上台率 %s%%\n", f.Members, pct)
	case f.Over.N > 0:
		fmt.Fprintf(b, "党员 %d 人，党员数待核对，暂不计算上台率\n", f.Members)
	default:
		b.WriteString("党员数未设置，无法计算上台率\n")
	}
	for _, line := range f.Doubts(scope) {
		b.WriteString(line + "\n")
	}
	if pct, ok := f.Satisfaction(); ok {
		fmt.Fprintf(b, "满意率 %s%%（参评 %d 人）\n", pct, f.Surveyed)
	} else {
		b.WriteString("满意率：暂无测评\n")
	}
	fmt.Fprintf(b, "领导干部上台 %d 人\n", f.Leaders)
}

// weekLine compares this week and last week for a unit (0: the city).
func weekLine(ctx context.Context, c *Call, unit int64) (string, error) {
	this, err := c.Store().LectureCount(ctx, unit, dangke.Week(c.Now))
	if err != nil {
		return "", err
	}
	last, err := c.Store().LectureCount(ctx, unit, dangke.Week(c.Now.AddDate(0, 0, -7)))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("本周 %d 次，上周 %d 次", this, last), nil
}

func unitStats(ctx context.Context, c *Call, unit *dangke.Unit, p dangke.Period) (string, error) {
	st := c.Store()
	f, err := st.Figures(ctx, unit.ID, p)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📊 %s · %s\n", unit.Path, periodTitle(p, c.Now))
	figureLines(&b, f, unit.Path)
	w, err := weekLine(ctx, c, unit.ID)
	if err != nil {
		return "", err
	}
	b.WriteString(w)
	if unit.Kind == dangke.KindCounty {
		shows, err := showLines(ctx, c, unit.ID, p)
		if err != nil {
			return "", err
		}
		if shows != "" {
			b.WriteString("\n" + shows)
		}
		n, err := st.PoolSize(ctx, unit.ID)
		if err != nil {
			return "", err
		}
		b.WriteString("\n" + poolProgress(unit, n))
	}
	return b.String(), nil
}

func cityStats(ctx context.Context, c *Call, city string, p dangke.Period) (*dangke.Reply, error) {
	st := c.Store()
	// The city's own figures, not the sum of the reporting units': a
	// person whose names lie in two of them counts once in the city.
	total, tops, err := st.CityFigures(ctx, p)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📊 %s · %s\n", city, periodTitle(p, c.Now))
	if len(tops) == 0 {
		b.WriteString("还没有任何单位。管理员可用 /单位 新增 温县 建立。")
		return &dangke.Reply{Text: b.String()}, nil
	}
	figureLines(&b, total, "")
	w, err := weekLine(ctx, c, 0)
	if err != nil {
		return nil, err
	}
	b.WriteString(w + "\n")
	shows, err := showLines(ctx, c, 0, p)
	if err != nil {
		return nil, err
	}
	if shows != "" {
		b.WriteString(shows + "\n")
	}
	b.WriteString(rankLines(tops))
	return &dangke.Reply{Text: b.String()}, nil
}

// rankLines ranks the reporting units by coverage, then lectures. Only a
// unit with a coverage above 0 gets a place; units at 0 and units whose
// coverage cannot be computed (no member count, or one to be checked) are
// listed after the ranking, never in it. A ranked unit with units left out
// of its coverage says how many.
func rankLines(tops []dangke.UnitFigures) string {
	var ranked, zero, unranked []dangke.UnitFigures
	for _, t := range tops {
		switch m := t.Figures.CoverageMilli(); {
		case m > 0:
			ranked = append(ranked, t)
		case m == 0:
			zero = append(zero, t)
		default:
			unranked = append(unranked, t)
		}
	}
	sort.SliceStable(ranked, func(i, j int) bool {
		a, z := ranked[i].Figures, ranked[j].Figures
		if a.CoverageMilli() != z.CoverageMilli() {
			return a.CoverageMilli() > z.CoverageMilli()
		}
		return a.Lectures > z.Lectures
	})
	var b strings.Builder
	b.WriteString("各县市区、系统按上台率排名：")
	switch {
	case len(ranked) > 0:
	case len(zero) == 0:
		b.WriteString("暂无（没有可排名的单位）")
	default:
		b.WriteString("暂无（还没有单位有党员上台）")
	}
	rank := 0
	for i, t := range ranked {
		f := t.Figures
		if i == 0 || f.CoverageMilli() != ranked[i-1].Figures.CoverageMilli() || f.Lectures != ranked[i-1].Figures.Lectures {
			rank = i + 1
		}
		pct, _ := f.Coverage()
		fmt.Fprintf(&b, "\n%d. %s %s%%（%d/%d），%d 次", rank, t.Unit.Name, pct, f.CoveredSpeakers, f.CoveredMembers, f.Lectures)
		if n := f.Unset.N + f.Over.N; n > 0 {
			fmt.Fprintf(&b, "，%d 个单位未计入", n)
		}
	}
	if len(zero) > 0 {
		b.WriteString("\n尚无党员上台：" + namedList(zero, func(t dangke.UnitFigures) string {
			return fmt.Sprintf("%s（0/%d）", t.Unit.Name, t.Figures.CoveredMembers)
		}))
	}
	if len(unranked) > 0 {
		b.WriteString("\n未参加排名：" + namedList(unranked, func(t dangke.UnitFigures) string {
			why := "党员数未设置"
			if t.Figures.Over.N > 0 {
				why = dangke.OverText
			}
			return fmt.Sprintf("%s（%s）", t.Unit.Name, why)
		}))
	}
	return b.String()
}

// namedList names the first dangke.MaxNamed of units and says how many
// there are when there are more: a province's hundred reporting units
// without member counts are one line on a phone, not a screenful.
func namedList(units []dangke.UnitFigures, name func(dangke.UnitFigures) string) string {
	var names []string
	for _, t := range units[:min(len(units), dangke.MaxNamed)] {
		names = append(names, name(t))
	}
	s := strings.Join(names, "、")
	if len(units) > dangke.MaxNamed {
		s += fmt.Sprintf(" 等 %d 个", len(units))
	}
	return s
}
