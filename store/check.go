package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dangke"
)

// TotalsCheck is what CheckTotals found: for each kept table, the rows
// that differ from a count made again from the lectures (a row missing on
// either side counts once), and some of the units concerned.
type TotalsCheck struct {
	Tables []TableCheck
}

// TableCheck is one kept table's result.
type TableCheck struct {
	Table string
	Wrong int      // rows that differ
	Units []string // paths of up to five units concerned
}

// OK reports whether every kept total agrees with the lectures.
func (c TotalsCheck) OK() bool {
	for _, t := range c.Tables {
		if t.Wrong > 0 {
			return false
		}
	}
	return true
}

// String says what was found, in Chinese, one line a table.
func (c TotalsCheck) String() string {
	var b strings.Builder
	for _, t := range c.Tables {
		if t.Wrong == 0 {
			fmt.Fprintf(&b, "%s：一致\n", t.Table)
			continue
		}
		fmt.Fprintf(&b, "%s：%d 行与党课记录不符（%s）\n", t.Table, t.Wrong, strings.Join(t.Units, "、"))
	}
	return b.String()
}

// recounts pairs each kept table (its rows that hold anything: a total
// whose lectures were all withdrawn stays as a row of zeros) with the same
// rows counted from the active lectures.
var recounts = []struct{ table, kept, counted string }{
	{"speakers", "SELECT unit_id, name, lectures, leader_lectures, first_day, last_day, attendees, satisfied, surveyed FROM speakers",
		`SELECT unit_id, speaker, count(*), sum(leader), min(day), max(day), sum(attendees), sum(satisfied), sum(surveyed)
			FROM lectures WHERE withdrawn_at IS NULL GROUP BY 1, 2`},
	{"unit_totals", "SELECT unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed FROM unit_totals WHERE lectures <> 0 OR speakers <> 0 OR leaders <> 0 OR attendees <> 0 OR satisfied <> 0 OR surveyed <> 0",
		`SELECT unit_id, count(*), count(DISTINCT speaker), count(DISTINCT CASE WHEN leader <> 0 THEN speaker END),
			sum(attendees), sum(satisfied), sum(surveyed) FROM lectures WHERE withdrawn_at IS NULL GROUP BY 1`},
	{"week_speakers", "SELECT unit_id, week, name, lectures, leader_lectures FROM week_speakers",
		"SELECT unit_id, date(day, 'weekday 0', '-6 days'), speaker, count(*), sum(leader) FROM lectures WHERE withdrawn_at IS NULL GROUP BY 1, 2, 3"},
	{"unit_weeks", "SELECT unit_id, week, lectures, speakers, leaders, attendees, satisfied, surveyed FROM unit_weeks WHERE lectures <> 0 OR speakers <> 0 OR leaders <> 0 OR attendees <> 0 OR satisfied <> 0 OR surveyed <> 0",
		`SELECT unit_id, date(day, 'weekday 0', '-6 days'), count(*), count(DISTINCT speaker), count(DISTINCT CASE WHEN leader <> 0 THEN speaker END),
			sum(attendees), sum(satisfied), sum(surveyed) FROM lectures WHERE withdrawn_at IS NULL GROUP BY 1, 2`},
	// (not SELECT *: the report of a difference rewrites its diff's first two)
	{"unit_ancestors", "SELECT unit_id, ancestor_id FROM unit_ancestors WHERE ancestor_id > " + overLimit, "SELECT unit_id, ancestor_id FROM (" + ancestorsCounted + ") c"},
	// An over bucket's row is kept by the update that queued its unit, and
	// the subtree totals below are counted again with it; here, each row
	// must be its unit's reporting unit's key, of a unit listed in
	// unit_doubts (where the figures look for it).
	{"over_buckets", "SELECT unit_id, ancestor_id FROM unit_ancestors WHERE ancestor_id <= " + overLimit, overBucketsValid},
	{"tree_units", "SELECT unit_id, units, members FROM tree_units WHERE units <> 0 OR members <> 0", treeUnitsCounted},
	{"tree_days", `SELECT unit_id, day, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts
		FROM tree_days WHERE lectures <> 0 OR attendees <> 0 OR satisfied <> 0 OR surveyed <> 0 OR events <> 0 OR firsts <> 0
		OR leader_events <> 0 OR leader_firsts <> 0`, treeDaysCounted},
	{"tree_firsts", "SELECT unit_id, leader, day, prev, n FROM tree_firsts WHERE n <> 0", treeFirstsCounted},
	{"tree_weeks", `SELECT unit_id, week, lectures, attendees, satisfied, surveyed, events, firsts, leader_events, leader_firsts FROM tree_weeks
		WHERE lectures <> 0 OR attendees <> 0 OR satisfied <> 0 OR surveyed <> 0 OR events <> 0 OR firsts <> 0 OR leader_events <> 0
		OR leader_firsts <> 0`, treeWeeksCounted},
	{"tree_firsts_weeks", `SELECT unit_id, leader, week, prev_week, n, b1, b2, b3, b4, b5, b6 FROM tree_firsts_weeks
		WHERE n <> 0 OR b1 <> 0 OR b2 <> 0 OR b3 <> 0 OR b4 <> 0 OR b5 <> 0 OR b6 <> 0`, treeFirstsWeeksCounted},
	{"show_totals", showTotalsKept, showTotalsCounted},
	{"show_weeks", showWeeksKept, showWeeksCounted},
	{"tree_shows", "SELECT unit_id, day, n, " + showCols + " FROM tree_shows WHERE n <> 0", treeShowsCounted},
}

// overLimit is the greatest over bucket key, in SQL.
var overLimit = strconv.Itoa(-overBucket)

// overBucketsValid is the over buckets' rows that are where they belong.
var overBucketsValid = `SELECT a.unit_id, a.ancestor_id FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
	JOIN unit_doubts d ON d.unit_id = u.id WHERE a.ancestor_id = ` + overKeyOf("u.top_id") + ` AND u.ipath <> ''`

// CheckTotals counts every kept total again from the lectures and compares
// (one read transaction; it reads every lecture, so it takes about as long
// as RebuildTotals). With fix, a table that differs is rebuilt with
// RebuildTotals, and the check is made again.
func (s *Store) CheckTotals(ctx context.Context, fix bool) (TotalsCheck, error) {
	c, err := s.checkTotals(ctx)
	if err != nil || !fix || c.OK() {
		return c, err
	}
	if err := s.RebuildTotals(ctx); err != nil {
		return c, err
	}
	return s.checkTotals(ctx)
}

func (s *Store) checkTotals(ctx context.Context) (TotalsCheck, error) {
	var c TotalsCheck
	err := s.snapshot(ctx, func(q queries) error {
		for _, r := range recounts {
			diff := fmt.Sprintf("SELECT * FROM (%[1]s EXCEPT %[2]s) a UNION ALL SELECT * FROM (%[2]s EXCEPT %[1]s) b", r.kept, r.counted)
			t := TableCheck{Table: r.table}
			if err := q.db.NewRaw("SELECT count(*) FROM ("+diff+") d").Scan(ctx, &t.Wrong); err != nil {
				return fmt.Errorf("store: check %s: %w", r.table, err)
			}
			if t.Wrong > 0 {
				// (a bucket, -top_id or overKey(top_id), is named by its reporting unit)
				err := q.db.NewRaw("SELECT u.path FROM units u WHERE u.id IN (SELECT unit_id FROM ("+
					strings.Replace(diff, "SELECT * FROM", "SELECT CASE WHEN unit_id <= "+overLimit+" THEN "+overKeyOf("unit_id")+
						" ELSE abs(unit_id) END AS unit_id FROM", 2)+") d) ORDER BY u.path LIMIT 5").Scan(ctx, &t.Units)
				if err != nil {
					return fmt.Errorf("store: check %s: %w", r.table, err)
				}
			}
			c.Tables = append(c.Tables, t)
		}
		t, err := s.checkPeople(ctx, q)
		if err != nil {
			return err
		}
		c.Tables = append(c.Tables, t)
		return nil
	})
	return c, err
}

// peopleCounted counts, for every unit above a linked name (the city, 0,
// among them), the distinct lecturers of the subtree from the lectures and
// the links: a linked name is its person, once at every level that holds
// it; so are the leading cadres and the covered units' lecturers. Elsewhere
// the figures are the kept tables', which the other checks recount.
const peopleCounted = `WITH names AS (
		SELECT l.unit_id, l.speaker, max(l.leader) AS leader, coalesce(max(sp.person_id), 0) AS person, ` + coveredSQL + ` AS covered
		FROM lectures l JOIN units u ON u.id = l.unit_id LEFT JOIN unit_totals t ON t.unit_id = u.id
		LEFT JOIN speaker_people sp ON sp.unit_id = l.unit_id AND sp.name = l.speaker
		WHERE l.withdrawn_at IS NULL GROUP BY l.unit_id, l.speaker, u.members, t.speakers),
	levels AS (SELECT unit_id, ancestor_id FROM unit_ancestors WHERE ancestor_id >= 0 UNION ALL SELECT id, id FROM units)
	SELECT a.ancestor_id AS unit_id,
		count(DISTINCT CASE WHEN n.person = 0 THEN n.unit_id || '/' || n.speaker END) + count(DISTINCT NULLIF(n.person, 0)) AS speakers,
		count(DISTINCT CASE WHEN n.person = 0 AND n.leader <> 0 THEN n.unit_id || '/' || n.speaker END)
			+ count(DISTINCT CASE WHEN n.leader <> 0 THEN NULLIF(n.person, 0) END) AS leaders,
		count(DISTINCT CASE WHEN n.person = 0 AND n.covered THEN n.unit_id || '/' || n.speaker END)
			+ count(DISTINCT CASE WHEN n.covered THEN NULLIF(n.person, 0) END) AS covered
	FROM names n JOIN levels a ON a.unit_id = n.unit_id
	WHERE a.ancestor_id IN (SELECT x.ancestor_id FROM unit_ancestors x JOIN speaker_people sp ON sp.unit_id = x.unit_id)
	GROUP BY a.ancestor_id`

// checkPeople compares the lecturers that Figures gives the units above
// linked names (where a person's names meet: up to the city) with a count
// from the lectures and the links (peopleCounted).
func (s *Store) checkPeople(ctx context.Context, q queries) (TableCheck, error) {
	t := TableCheck{Table: "people"}
	var rows []struct {
		UnitID   int64 `bun:"unit_id"`
		Speakers int   `bun:"speakers"`
		Leaders  int   `bun:"leaders"`
		Covered  int   `bun:"covered"`
	}
	if err := q.db.NewRaw(peopleCounted).Scan(ctx, &rows); err != nil {
		return t, fmt.Errorf("store: check people: %w", err)
	}
	for _, r := range rows {
		f, err := q.Figures(ctx, r.UnitID, dangke.Period{})
		if err != nil {
			return t, fmt.Errorf("store: check people: %w", err)
		}
		if f.Speakers == r.Speakers && f.Leaders == r.Leaders && f.CoveredSpeakers == r.Covered {
			continue
		}
		t.Wrong++
		if len(t.Units) < 5 {
			name := dangke.CityName
			if r.UnitID != 0 {
				u, err := q.UnitByID(ctx, r.UnitID)
				if err != nil {
					return t, err
				}
				name = u.Path
			}
			t.Units = append(t.Units, fmt.Sprintf("%s 讲课人 %d（应为 %d）", name, f.Speakers, r.Speakers))
		}
	}
	return t, nil
}
