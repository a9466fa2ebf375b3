package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// Figures for a period come from the week totals (unit_weeks,
// week_speakers) for the whole weeks it holds, and from the lectures
// (through lectures_day) only for the days before its first whole week and
// after its last: at most six days on each side. 本周 and 上周 are one whole
// week and read unit_weeks alone. Distinct lecturers over several weeks
// are counted from the week's lecturer rows (week_speakers) and the edge
// days' lectures together, grouped by unit and name: exact, at the cost of
// reading one row per lecturer and week of the range.

// span is a period split into whole weeks and the days around them. An
// empty day range has from > to ("9" > "0").
type span struct {
	weekFrom, weekTo string // Mondays of the first and last whole week
	head, tail       [2]string
}

const noDay = "9" // greater than any date: [noDay, "0"] is empty

// splitPeriod splits p (whole days) into whole weeks and the edge days.
func splitPeriod(p dangke.Period) span {
	day := func(t time.Time) time.Time { y, m, d := t.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	f := func(t time.Time) string { return t.Format(dangke.DateLayout) }
	from, to := day(p.From), day(p.To)
	first := from.AddDate(0, 0, (8-int(from.Weekday()))%7) // the first Monday on or after from
	last := to.AddDate(0, 0, -(int(to.Weekday())+6)%7)     // the Monday of to's week
	if !last.AddDate(0, 0, 6).Equal(to) {
		last = last.AddDate(0, 0, -7) // to's week is not whole
	}
	s := span{weekFrom: noDay, weekTo: "0", head: [2]string{noDay, "0"}, tail: [2]string{noDay, "0"}}
	if last.Before(first) { // no whole week
		s.head = [2]string{f(from), f(to)}
		return s
	}
	s.weekFrom, s.weekTo = f(first), f(last)
	if from.Before(first) {
		s.head = [2]string{f(from), f(first.AddDate(0, 0, -1))}
	}
	if end := last.AddDate(0, 0, 6); end.Before(to) {
		s.tail = [2]string{f(end.AddDate(0, 0, 1)), f(to)}
	}
	return s
}

func (s span) weeks() bool { return s.weekFrom <= s.weekTo }

// mondays lists the Mondays of the whole weeks.
func (s span) mondays() []string {
	var out []string
	if !s.weeks() {
		return out
	}
	from, err1 := time.Parse(dangke.DateLayout, s.weekFrom)
	to, err2 := time.Parse(dangke.DateLayout, s.weekTo)
	if err1 != nil || err2 != nil {
		return out
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 7) {
		out = append(out, d.Format(dangke.DateLayout))
	}
	return out
}

func (s span) edges() bool { return s.head[0] <= s.head[1] || s.tail[0] <= s.tail[1] }

// weeksSelect sums unit_weeks over whole weeks: %[1]s the selected group
// column, %[2]s the FROM clause, %[3]s the unit filter, %[4]s GROUP BY. Its lecturer
// counts are right for a single week only.
const weeksSelect = `SELECT %[1]s coalesce(sum(w.lectures), 0) AS lectures, coalesce(sum(w.speakers), 0) AS speakers,
	coalesce(sum(w.leaders), 0) AS leaders, coalesce(sum(w.attendees), 0) AS attendees,
	coalesce(sum(w.satisfied), 0) AS satisfied, coalesce(sum(w.surveyed), 0) AS surveyed,
	coalesce(sum(CASE WHEN ` + coveredSQL + ` THEN w.speakers END), 0) AS cov_speakers
	FROM %[2]s LEFT JOIN unit_totals t ON t.unit_id = u.id
	WHERE w.week >= ? AND w.week <= ? AND %[3]s %[4]s`

// weeksByUnit reads a subtree's week rows unit by unit (the whole
// province reads the subtree totals instead, tree.go).
const weeksByUnit = "units u CROSS JOIN unit_weeks w ON w.unit_id = u.id"

// edgeDays returns the lectures of the edge days as a UNION ALL of one
// SELECT per non-empty day range (an OR of the two would not use
// lectures_day), each of cols from lectures l joined to units u restricted
// by where, with its arguments; "" when there are no edge days.
func (s span) edgeDays(cols, where string, args []any, small bool) (string, []any) {
	var arms []string
	var out []any
	// A large subtree reads the days' lectures through lectures_day; a
	// small one (small) its units' lectures through lectures_speaker (a
	// branch has a hundred, a day of the province tens of thousands).
	from := "lectures l JOIN units u ON u.id = l.unit_id"
	if small {
		from = "units u CROSS JOIN lectures l ON l.unit_id = u.id"
	}
	for _, r := range [][2]string{s.head, s.tail} {
		if r[0] > r[1] {
			continue
		}
		arms = append(arms, "SELECT "+cols+" FROM "+from+`
			WHERE l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? AND `+where)
		out = append(append(out, r[0], r[1]), args...)
	}
	return strings.Join(arms, " UNION ALL "), out
}

// edgesSelect sums the lectures of the edge days (%[2]s, from edgeDays).
const edgesSelect = `SELECT %[1]s count(*) AS lectures, coalesce(sum(e.attendees), 0) AS attendees,
	coalesce(sum(e.satisfied), 0) AS satisfied, coalesce(sum(e.surveyed), 0) AS surveyed
	FROM (%[2]s) e %[3]s`

// distinctSelect counts a period's distinct lecturers (by unit and name)
// from the whole weeks' lecturer rows (%[2]s, unit filter %[3]s) and the
// edge days' lectures (%[4]s, from edgeDays, may be empty).
const distinctSelect = `SELECT %[1]s count(*) AS speakers, coalesce(sum(s.leader), 0) AS leaders,
	coalesce(sum(CASE WHEN ` + coveredSQL + ` THEN 1 END), 0) AS cov_speakers FROM (
	SELECT x.unit_id, x.name, max(x.leader) AS leader FROM (
		SELECT ws.unit_id, ws.name, CASE WHEN ws.leader_lectures > 0 THEN 1 ELSE 0 END AS leader
		FROM units u CROSS JOIN week_speakers ws ON ws.unit_id = u.id AND ws.week >= ? AND ws.week <= ? WHERE %[2]s
		%[3]s
	) x GROUP BY x.unit_id, x.name) s
	JOIN units u ON u.id = s.unit_id LEFT JOIN unit_totals t ON t.unit_id = s.unit_id %[4]s`

// periodRows returns a subtree's (where, args) figures over a period —
// lectures, lecturers, leading cadres, attendees, satisfaction, covered
// lecturers — in one row, or one row per reporting unit with group.
func (q queries) periodRows(ctx context.Context, where string, args []any, p dangke.Period, group bool) ([]figuresRow, error) {
	sel, by := "", ""
	if group {
		sel, by = "u.top_id AS top_id,", "GROUP BY u.top_id"
	}
	s := splitPeriod(p)
	small, err := q.smallSubtree(ctx, where, args)
	if err != nil {
		return nil, err
	}
	rows := map[int64]*figuresRow{}
	var order []int64
	at := func(top int64) *figuresRow {
		r := rows[top]
		if r == nil {
			r = &figuresRow{TopID: top}
			rows[top] = r
			order = append(order, top)
		}
		return r
	}
	if s.weeks() {
		from := weeksByUnit
		var wk []figuresRow
		if err := q.db.NewRaw(fmt.Sprintf(weeksSelect, sel, from, where, by), append([]any{s.weekFrom, s.weekTo}, args...)...).Scan(ctx, &wk); err != nil {
			return nil, fmt.Errorf("store: week figures: %w", err)
		}
		for i := range wk {
			r := at(wk[i].TopID)
			r.Lectures += wk[i].Lectures
			r.Attendees += wk[i].Attendees
			r.Satisfied += wk[i].Satisfied
			r.Surveyed += wk[i].Surveyed
			if s.weekFrom == s.weekTo && !s.edges() { // one week: its lecturers are distinct
				r.Speakers, r.Leaders, r.CovSpeakers = wk[i].Speakers, wk[i].Leaders, wk[i].CovSpeakers
			}
		}
	}
	if s.edges() {
		var ed []figuresRow
		esel, eby := "", ""
		if group {
			esel, eby = "e.top_id AS top_id,", "GROUP BY e.top_id"
		}
		arms, eargs := s.edgeDays("u.top_id, l.attendees, l.satisfied, l.surveyed", where, args, small)
		if err := q.db.NewRaw(fmt.Sprintf(edgesSelect, esel, arms, eby), eargs...).Scan(ctx, &ed); err != nil {
			return nil, fmt.Errorf("store: period figures: %w", err)
		}
		for i := range ed {
			r := at(ed[i].TopID)
			r.Lectures += ed[i].Lectures
			r.Attendees += ed[i].Attendees
			r.Satisfied += ed[i].Satisfied
			r.Surveyed += ed[i].Surveyed
		}
	}
	if s.edges() || s.weekFrom != s.weekTo {
		var sp []figuresRow
		arms, eargs := s.edgeDays("l.unit_id, l.speaker, l.leader", where, args, small)
		if arms != "" {
			arms = "UNION ALL " + arms
		}
		dargs := append(append([]any{s.weekFrom, s.weekTo}, args...), eargs...)
		if err := q.db.NewRaw(fmt.Sprintf(distinctSelect, sel, where, arms, by), dargs...).Scan(ctx, &sp); err != nil {
			return nil, fmt.Errorf("store: period speakers: %w", err)
		}
		for i := range sp {
			r := at(sp[i].TopID)
			r.Speakers, r.Leaders, r.CovSpeakers = sp[i].Speakers, sp[i].Leaders, sp[i].CovSpeakers
		}
	}
	out := make([]figuresRow, 0, len(order))
	for _, top := range order {
		out = append(out, *rows[top])
	}
	if !group && len(out) == 0 {
		out = append(out, figuresRow{})
	}
	return out, nil
}

// smallSubtree reports whether a subtree (where, args) has fewer than 64
// units: its lectures are then fewer than a day's of a large one.
func (q queries) smallSubtree(ctx context.Context, where string, args []any) (bool, error) {
	if where == "1 = 1" {
		return false, nil
	}
	var n int
	if err := q.db.NewRaw("SELECT count(*) FROM (SELECT 1 FROM units u WHERE "+where+" LIMIT 64) s", args...).Scan(ctx, &n); err != nil {
		return false, fmt.Errorf("store: subtree size: %w", err)
	}
	return n < 64, nil
}
