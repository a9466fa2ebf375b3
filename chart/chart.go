package chart

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"dangke"
)

// Bar is one unit's row in a coverage chart.
type Bar struct {
	ID    int64  // the unit's id, for links down the tree
	Label string // the unit's own name
	Milli int    // coverage in tenths of a percent; -1 for a marked unit
	Value string // written after the bar: 22.2% · 12 次
	Mark  string // why the unit has no bar (未填党员数); "" when it has one
}

// Bars is a chart of coverage by child unit.
type Bars struct {
	Title    string // 温县 上台率
	Subtitle string // the period
	Target   int    // the coverage target in percent, drawn as a line; 0: none
	Items    []Bar  // drawn top to bottom
	// Scale, when set, makes it a chart of counts: the full width is Scale
	// and the grid is labelled in counts, not percent (Milli is then the
	// count in thousandths of Scale).
	Scale int
}

// VenueBars builds the chart of 示范宣讲 by venue: the five venues of the
// notice in its order (机关、社区、企业、农村、学校), then those marked
// 示范=是 without a venue when there are any.
func VenueBars(title, subtitle string, s dangke.Shows) Bars {
	type row struct {
		label string
		n     int
	}
	var rows []row
	for _, v := range dangke.Venues {
		rows = append(rows, row{"进" + v, s.ByVenue[v]})
	}
	if n := s.ByVenue[""]; n > 0 {
		rows = append(rows, row{"未填场所", n})
	}
	top := 0
	for _, r := range rows {
		top = max(top, r.n)
	}
	b := Bars{Title: title, Subtitle: subtitle, Scale: niceScale(top)}
	for _, r := range rows {
		b.Items = append(b.Items, Bar{Label: r.label, Milli: r.n * 1000 / b.Scale, Value: fmt.Sprintf("%d 次", r.n)})
	}
	return b
}

// niceScale is the full width of a count chart for a largest count n: four
// grid steps of at least 1, each step rounded up to 2, 2.5, 5 or 10 times a
// power of ten once it passes 5 (n = 130: steps of 50, grid 0, 50 … 200).
func niceScale(n int) int {
	step := max((n+3)/4, 1)
	if step > 5 {
		pow := 1
		for pow*10 < step {
			pow *= 10
		}
		switch {
		case step <= 2*pow:
			step = 2 * pow
		case step <= 25*pow/10 && pow >= 10:
			step = 25 * pow / 10
		case step <= 5*pow:
			step = 5 * pow
		default:
			step = 10 * pow
		}
	}
	return step * 4
}

// CoverageBars builds the coverage chart of units (a unit's children with
// their subtree figures): units with a coverage first, highest first (then
// more lectures, then by name), then the marked ones, whose coverage
// dangke.Figures.CoverageProblem says cannot be shown, in the given order.
func CoverageBars(title, subtitle string, units []dangke.UnitFigures, target int) Bars {
	b := Bars{Title: title, Subtitle: subtitle, Target: target}
	var marked []Bar
	type row struct {
		bar      Bar
		lectures int
	}
	var drawn []row
	for _, u := range units {
		f := u.Figures
		if p := f.CoverageProblem(); p != "" {
			marked = append(marked, Bar{ID: u.Unit.ID, Label: u.Unit.Name, Milli: -1, Value: fmt.Sprintf("%d 次", f.Lectures), Mark: p})
			continue
		}
		pct, _ := f.Coverage()
		value := fmt.Sprintf("%s%% · %d 次", pct, f.Lectures)
		if n := f.Unset.N + f.Over.N; n > 0 {
			// The rate leaves units below out, their lectures not: 0.0% beside
			// 7 lectures reads as an error unless it says so.
			value += fmt.Sprintf("（%d 个下级未计入上台率）", n)
		}
		drawn = append(drawn, row{Bar{ID: u.Unit.ID, Label: u.Unit.Name, Milli: f.CoverageMilli(), Value: value}, f.Lectures})
	}
	sort.SliceStable(drawn, func(i, j int) bool {
		a, z := drawn[i], drawn[j]
		if a.bar.Milli != z.bar.Milli {
			return a.bar.Milli > z.bar.Milli
		}
		if a.lectures != z.lectures {
			return a.lectures > z.lectures
		}
		return a.bar.Label < z.bar.Label
	})
	for _, r := range drawn {
		b.Items = append(b.Items, r.bar)
	}
	b.Items = append(b.Items, marked...)
	return b
}

// String lists what the chart draws, in order, one row a line: the data a
// golden test compares.
func (b Bars) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n%s\n", b.Title, b.Subtitle)
	if b.Target > 0 {
		fmt.Fprintf(&s, "目标线 %d%%\n", b.Target)
	}
	for i, it := range b.Items {
		if it.Mark != "" {
			fmt.Fprintf(&s, "%d. %s 标记：%s（%s）\n", i+1, it.Label, it.Mark, it.Value)
			continue
		}
		fmt.Fprintf(&s, "%d. %s 柱 %d‰ %s\n", i+1, it.Label, it.Milli, it.Value)
	}
	return s.String()
}

// Point is one week's value in a line chart.
type Point struct {
	Label string // the week's Monday: 7/1
	Value int
}

// Line is a chart of a count per week.
type Line struct {
	Title    string // 温县 每周微党课次数
	Subtitle string
	Points   []Point
}

// String lists the points, for golden tests.
func (l Line) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n%s\n", l.Title, l.Subtitle)
	for _, p := range l.Points {
		fmt.Fprintf(&s, "%s %d\n", p.Label, p.Value)
	}
	return s.String()
}

// CampaignWeeks returns the Monday-to-Sunday weeks of a campaign from its
// start up to the week that holds today (or its end, when that is earlier).
func CampaignWeeks(c dangke.Campaign, today time.Time) []dangke.Period {
	end := c.End
	if t := dangke.Midnight(today.In(c.Location)); t.Before(end) {
		end = t
	}
	var out []dangke.Period
	for w := dangke.Week(c.Start.In(c.Location)); !w.From.After(end); w = dangke.Week(w.From.AddDate(0, 0, 7)) {
		out = append(out, w)
	}
	return out
}

// WeekLabel is how a week is labelled on the line chart: its Monday, 7/1.
func WeekLabel(w dangke.Period) string { return fmt.Sprintf("%d/%d", w.From.Month(), w.From.Day()) }
