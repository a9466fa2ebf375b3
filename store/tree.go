package store

import (
	"context"
	"fmt"
	"strings"

	"dangke"
)

// Totals kept per subtree (migration 20261129002000_tree, issue 13): each
// lecture is added in its writing transaction to the day rows of every
// unit strictly above its unit and of the whole province (unit 0), so the
// figures of a unit with units below it, over any period, are its own
// lectures plus a few hundred rows of tree_days and tree_firsts — what the
// answer costs, not what the province holds.
//
// Distinct lecturers (a unit's name is one person; links are corrected by
// refine as before) are counted from events, a lecturer's active days: the
// lecturers of days [a, b] are the events of those days whose lecturer's
// previous active day is before a. tree_days counts each day's events and
// the firsts (no previous day); tree_firsts counts the others by their
// previous day.

// treeDaysCounted counts tree_days again from the lectures and the closure.
const treeDaysCounted = `SELECT a.ancestor_id AS unit_id, d.day, sum(d.n), sum(d.attendees), sum(d.satisfied), sum(d.surveyed),
		sum(d.events), sum(d.firsts), sum(d.leader_events), sum(d.leader_firsts)
	FROM (SELECT unit_id, day, count(*) AS n, sum(attendees) AS attendees, sum(satisfied) AS satisfied, sum(surveyed) AS surveyed,
			count(DISTINCT speaker) AS events, 0 AS firsts, count(DISTINCT CASE WHEN leader <> 0 THEN speaker END) AS leader_events,
			0 AS leader_firsts
		FROM lectures WHERE withdrawn_at IS NULL GROUP BY unit_id, day
		UNION ALL SELECT unit_id, first, 0, 0, 0, 0, 0, count(*), 0, 0 FROM (SELECT unit_id, min(day) AS first FROM lectures
			WHERE withdrawn_at IS NULL GROUP BY unit_id, speaker) f GROUP BY unit_id, first
		UNION ALL SELECT unit_id, first, 0, 0, 0, 0, 0, 0, 0, count(*) FROM (SELECT unit_id, min(day) AS first FROM lectures
			WHERE withdrawn_at IS NULL AND leader <> 0 GROUP BY unit_id, speaker) g GROUP BY unit_id, first) d
	JOIN unit_ancestors a ON a.unit_id = d.unit_id GROUP BY a.ancestor_id, d.day`

// treeFirstsCounted counts tree_firsts again from the lectures and the closure.
const treeFirstsCounted = `SELECT a.ancestor_id AS unit_id, e.leader, e.day, e.prev, count(*) FROM (
		SELECT unit_id, 0 AS leader, day, lag(day) OVER (PARTITION BY unit_id, speaker ORDER BY day) AS prev
		FROM (SELECT DISTINCT unit_id, speaker, day FROM lectures WHERE withdrawn_at IS NULL) x
		UNION ALL SELECT unit_id, 1, day, lag(day) OVER (PARTITION BY unit_id, speaker ORDER BY day)
		FROM (SELECT DISTINCT unit_id, speaker, day FROM lectures WHERE withdrawn_at IS NULL AND leader <> 0) y) e
	JOIN unit_ancestors a ON a.unit_id = e.unit_id WHERE e.prev IS NOT NULL GROUP BY 1, 2, 3, 4`

// ancestorsCounted reads the closure again from the units' ipath.
const ancestorsCounted = `SELECT id AS unit_id, 0 AS ancestor_id FROM units WHERE ipath <> ''
	UNION ALL SELECT u.id, j.value FROM units u, json_each('[' || replace(trim(u.ipath, '/'), '/', ',') || ']') j
	WHERE u.ipath <> '' AND j.value <> u.id`

// treeUnitsCounted counts tree_units again from the units and the closure.
const treeUnitsCounted = `SELECT a.ancestor_id AS unit_id, count(*), sum(u.members) FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
	GROUP BY a.ancestor_id`

// rebuildTree rebuilds the closure and the subtree totals (inside
// RebuildTotals' transaction).
var rebuildTree = []string{
	"DELETE FROM unit_ancestors",
	"DELETE FROM tree_units",
	"DELETE FROM tree_days",
	"DELETE FROM tree_firsts",
	"INSERT INTO unit_ancestors (unit_id, ancestor_id) " + ancestorsCounted,
	"INSERT INTO tree_units (unit_id, units, members) " + treeUnitsCounted,
	`INSERT INTO tree_days (unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts) ` + treeDaysCounted,
	"INSERT INTO tree_firsts (unit_id, leader, day, prev, n) " + treeFirstsCounted,
	"DELETE FROM tree_shows",
	"INSERT INTO tree_shows (unit_id, day, n, " + showCols + ") " + treeShowsCounted,
}

// treeShowsCounted counts tree_shows again from the lectures and the closure.
const treeShowsCounted = `SELECT a.ancestor_id AS unit_id, l.day, count(*), ` + showCounts + `
	FROM lectures l JOIN unit_ancestors a ON a.unit_id = l.unit_id WHERE l.withdrawn_at IS NULL GROUP BY 1, 2`

// treeRow is what the subtree totals hold strictly below a unit over a
// period.
type treeRow struct {
	UnitID       int64 `bun:"unit_id"`
	Lectures     int   `bun:"lectures"`
	Attendees    int   `bun:"attendees"`
	Satisfied    int   `bun:"satisfied"`
	Surveyed     int   `bun:"surveyed"`
	Firsts       int   `bun:"firsts"`
	LeaderFirsts int   `bun:"leader_firsts"`
	Speakers     int
	Leaders      int
}

// days returns the period's days as [from, to] strings; the whole campaign
// is every day.
func days(p dangke.Period) (string, string) {
	if p.IsZero() {
		return "", "9"
	}
	return p.From.Format(dangke.DateLayout), p.To.Format(dangke.DateLayout)
}

// treeRows reads the subtree totals strictly below each of units (0: the
// whole province) over p, by unit.
func (q queries) treeRows(ctx context.Context, units []int64, p dangke.Period) (map[int64]*treeRow, error) {
	out := make(map[int64]*treeRow, len(units))
	if len(units) == 0 {
		return out, nil
	}
	in := "?" + strings.Repeat(", ?", len(units)-1)
	args := make([]any, 0, len(units)+3)
	for _, u := range units {
		args = append(args, u)
	}
	from, to := days(p)
	var rows []treeRow
	err := q.db.NewRaw(`SELECT unit_id, sum(lectures) AS lectures, sum(attendees) AS attendees, sum(satisfied) AS satisfied,
		sum(surveyed) AS surveyed, sum(firsts) AS firsts, sum(leader_firsts) AS leader_firsts FROM tree_days WHERE unit_id IN (`+in+`) AND day >= ? AND day <= ? GROUP BY unit_id`,
		append(args, from, to)...).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: subtree figures: %w", err)
	}
	for i := range rows {
		r := &rows[i]
		r.Speakers, r.Leaders = r.Firsts, r.LeaderFirsts
		out[r.UnitID] = r
	}
	if p.IsZero() || len(rows) == 0 {
		return out, nil // the whole campaign: every lecturer has one first day
	}
	// The other lecturers of [from, to]: events of those days whose
	// lecturer's previous active day is before from. One range of the
	// primary key a unit and stream: every row of those days is read (a
	// month of the province is thousands), never the lectures.
	var counts []struct {
		UnitID int64 `bun:"unit_id"`
		Leader int   `bun:"leader"`
		N      int   `bun:"n"`
	}
	err = q.db.NewRaw(`SELECT unit_id, leader, coalesce(sum(n), 0) AS n FROM tree_firsts
		WHERE unit_id IN (`+in+`) AND leader IN (0, 1) AND day >= ? AND day <= ? AND prev < ? GROUP BY unit_id, leader`,
		append(args[:len(units):len(units)], from, to, from)...).Scan(ctx, &counts)
	if err != nil {
		return nil, fmt.Errorf("store: subtree lecturers: %w", err)
	}
	for _, c := range counts {
		r := out[c.UnitID]
		if r == nil {
			continue
		}
		if c.Leader == 0 {
			r.Speakers += c.N
		} else {
			r.Leaders += c.N
		}
	}
	return out, nil
}

// treeUnits reads the units strictly below each of units and their members.
func (q queries) treeUnits(ctx context.Context, units []int64) (map[int64][2]int, error) {
	out := make(map[int64][2]int, len(units))
	if len(units) == 0 {
		return out, nil
	}
	args := make([]any, len(units))
	for i, u := range units {
		args[i] = u
	}
	var rows []struct {
		UnitID  int64 `bun:"unit_id"`
		Units   int   `bun:"units"`
		Members int   `bun:"members"`
	}
	err := q.db.NewRaw("SELECT unit_id, units, members FROM tree_units WHERE unit_id IN (?"+strings.Repeat(", ?", len(units)-1)+")",
		args...).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: subtree units: %w", err)
	}
	for _, r := range rows {
		out[r.UnitID] = [2]int{r.Units, r.Members}
	}
	return out, nil
}

// ownFigures reads the figures of a unit's own lectures (not its
// subtree's) over p, and its own members.
func (q queries) ownFigures(ctx context.Context, unit int64, p dangke.Period) (*figuresRow, int, error) {
	var r figuresRow
	var members int
	err := q.db.NewRaw(`SELECT u.members, coalesce(t.lectures, 0) AS lectures, coalesce(t.speakers, 0) AS speakers,
		coalesce(t.leaders, 0) AS leaders, coalesce(t.attendees, 0) AS attendees, coalesce(t.satisfied, 0) AS satisfied,
		coalesce(t.surveyed, 0) AS surveyed FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id WHERE u.id = ?`, unit).
		Scan(ctx, &members, &r.Lectures, &r.Speakers, &r.Leaders, &r.Attendees, &r.Satisfied, &r.Surveyed)
	if err != nil {
		return nil, 0, fmt.Errorf("store: own figures: %w", err)
	}
	if p.IsZero() || r.Lectures == 0 {
		return &r, members, nil
	}
	rows, err := q.periodRows(ctx, "u.id = ?", []any{unit}, p, false)
	if err != nil {
		return nil, 0, err
	}
	return &rows[0], members, nil
}

// subtreeFigures reads a unit's figures (0: the whole province) from the
// subtree totals, its own lectures and the units left out of coverage,
// which it returns too (for their names).
func (q queries) subtreeFigures(ctx context.Context, unit int64, where string, args []any, p dangke.Period, sub [2]int) (figuresRow, []doubtUnit, error) {
	below, err := q.treeRows(ctx, []int64{unit}, p)
	if err != nil {
		return figuresRow{}, nil, err
	}
	var own *figuresRow
	members := 0
	if unit != 0 {
		if own, members, err = q.ownFigures(ctx, unit, p); err != nil {
			return figuresRow{}, nil, err
		}
	}
	r := treeFigure(below[unit], own, sub, members)
	if unit != 0 {
		r.Units++
	}
	d, err := q.doubtUnits(ctx, where, args, p)
	if err != nil {
		return figuresRow{}, nil, err
	}
	var all figuresRow
	for _, x := range doubtSums(d) {
		all.add(&x)
	}
	r.withDoubts(all)
	return r, d, nil
}

// doubtUnit is a unit left out of coverage: its reporting unit, path,
// kind, members, its own lecturers of the whole campaign (speakers) and
// of the period asked for (in_period).
type doubtUnit struct {
	TopID    int64  `bun:"top_id"`
	Path     string `bun:"path"`
	Kind     string `bun:"kind"`
	Members  int    `bun:"members"`
	Speakers int    `bun:"speakers"`
	InPeriod int    `bun:"in_period"`
}

// doubtUnits reads the units of a subtree (where, args) left out of
// coverage, in path order, with their own lecturers over p. One pass
// serves both what they take from coverage (doubtSums) and their names
// (refine): they are read once an answer.
func (q queries) doubtUnits(ctx context.Context, where string, args []any, p dangke.Period) ([]doubtUnit, error) {
	speakers, sargs := "coalesce(t.speakers, 0)", []any(nil)
	if sp := splitPeriod(p); !p.IsZero() && sp.weekFrom == sp.weekTo && !sp.edges() {
		// One whole week: its lecturers are the unit's week row.
		speakers = "coalesce((SELECT w.speakers FROM unit_weeks w WHERE w.unit_id = u.id AND w.week = ?), 0)"
		sargs = []any{sp.weekFrom}
	} else if !p.IsZero() {
		// Its own lectures of the period, through lectures_speaker (one
		// seek per name and an EXISTS was slower at ten lectures a branch).
		speakers = `(SELECT count(DISTINCT l.speaker) FROM lectures l INDEXED BY lectures_speaker
			WHERE l.unit_id = u.id AND l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ?)`
		sargs = dayRange(p)
	}
	var rows []doubtUnit
	err := q.db.NewRaw(`SELECT u.top_id AS top_id, u.path AS path, u.kind AS kind, u.members AS members,
		coalesce(t.speakers, 0) AS speakers, `+speakers+` AS in_period
		FROM unit_doubts d CROSS JOIN units u ON u.id = d.unit_id LEFT JOIN unit_totals t ON t.unit_id = u.id
		WHERE (`+unsetSQL+` OR `+overSQL+`) AND `+where+` ORDER BY u.path`, append(sargs, args...)...).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: units left out of coverage: %w", err)
	}
	return rows, nil
}

// doubtSums sums, per reporting unit, what its units left out of
// coverage hold: their lecturers of the period, their members, and how
// many there are for each reason.
func doubtSums(units []doubtUnit) map[int64]figuresRow {
	out := map[int64]figuresRow{}
	for _, d := range units {
		r := out[d.TopID]
		r.TopID = d.TopID
		r.Speakers += d.InPeriod
		r.Members += d.Members
		if d.Members == 0 {
			r.UnsetN++
		} else {
			r.OverN++
		}
		out[d.TopID] = r
	}
	return out
}

// treeFigure combines a unit's subtree totals (below, may be nil), its own
// figures (own, may be nil), the units and members below it (sub) and its
// own members into one row; doubts are subtracted by the caller.
func treeFigure(below *treeRow, own *figuresRow, sub [2]int, members int) figuresRow {
	var r figuresRow
	if below != nil {
		r.Lectures, r.Attendees, r.Satisfied, r.Surveyed = below.Lectures, below.Attendees, below.Satisfied, below.Surveyed
		r.Speakers, r.Leaders = below.Speakers, below.Leaders
	}
	if own != nil {
		r.Lectures += own.Lectures
		r.Attendees += own.Attendees
		r.Satisfied += own.Satisfied
		r.Surveyed += own.Surveyed
		r.Speakers += own.Speakers
		r.Leaders += own.Leaders
	}
	r.Units, r.Members = sub[0], sub[1]+members
	return r
}

// withDoubts fills the coverage of r from what its units left out of
// coverage hold (d).
func (r *figuresRow) withDoubts(d figuresRow) {
	r.CovSpeakers, r.CovMembers = r.Speakers-d.Speakers, r.Members-d.Members
	r.UnsetN, r.OverN = d.UnsetN, d.OverN
}
