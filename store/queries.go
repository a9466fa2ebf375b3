package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangke"
)

// queries implements the read and write methods over a database or a
// transaction (tx is set inside one).
type queries struct {
	db bun.IDB
	tx *sql.Tx
	p  *prepared
	pg bool // PostgreSQL (db rewrites SQLite's planner hints away)
	// pipe holds the writes of a PostgreSQL batch that wait for the next
	// statement (pipeline.go); nil elsewhere.
	pipe *pipeline
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

// subtree returns the ipath range [lo, hi) that holds a unit and everything
// below it: ipaths end in "/", and "0" is the byte after "/".
func subtree(ipath string) (lo, hi string) {
	return ipath, ipath[:len(ipath)-1] + "0"
}

type unitRow struct {
	ID       int64         `bun:"id"`
	ParentID sql.NullInt64 `bun:"parent_id"`
	TopID    int64         `bun:"top_id"`
	Name     string        `bun:"name"`
	Path     string        `bun:"path"`
	IPath    string        `bun:"ipath"`
	Depth    int           `bun:"depth"`
	Kind     string        `bun:"kind"`
	Members  int           `bun:"members"`
}

func (r *unitRow) unit() dangke.Unit {
	return dangke.Unit{
		ID: r.ID, ParentID: r.ParentID.Int64, TopID: r.TopID, Name: r.Name, Path: r.Path,
		Depth: r.Depth, Kind: dangke.UnitKind(r.Kind), Members: r.Members,
	}
}

const unitCols = "id, parent_id, top_id, name, path, ipath, depth, kind, members"

func (q queries) unitWhere(ctx context.Context, where string, args ...any) (*unitRow, error) {
	var r unitRow
	err := q.db.NewRaw("SELECT "+unitCols+" FROM units WHERE "+where, args...).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: unit: %w", err)
	}
	return &r, nil
}

// unitBy reads the unit (unitCols) that the prepared statement st finds
// by args, or nil.
func (q queries) unitBy(ctx context.Context, st *sql.Stmt, args ...any) (*unitRow, error) {
	var r unitRow
	err := q.stmt(ctx, st).QueryRowContext(ctx, args...).Scan(&r.ID, &r.ParentID, &r.TopID, &r.Name, &r.Path, &r.IPath, &r.Depth, &r.Kind, &r.Members)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: unit: %w", err)
	}
	return &r, nil
}

// UnitByPath finds a unit by its full path.
func (q queries) UnitByPath(ctx context.Context, path string) (*dangke.Unit, error) {
	r, err := q.unitBy(ctx, q.p.unitByPath, path)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "单位「%s」不存在，可用 /单位 列表 查看。", path)
	}
	u := r.unit()
	return &u, nil
}

// UnitByID finds a unit by id.
func (q queries) UnitByID(ctx context.Context, id int64) (*dangke.Unit, error) {
	r, err := q.unitBy(ctx, q.p.unitByID, id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "单位编号 %d 不存在。", id)
	}
	u := r.unit()
	return &u, nil
}

// UnitsNamed returns the units whose own name is name.
func (q queries) UnitsNamed(ctx context.Context, name string) ([]dangke.Unit, error) {
	var rows []unitRow
	if err := q.db.NewRaw("SELECT "+unitCols+" FROM units WHERE name = ? ORDER BY path", name).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: units named: %w", err)
	}
	return units(rows), nil
}

func units(rows []unitRow) []dangke.Unit {
	out := make([]dangke.Unit, len(rows))
	for i := range rows {
		out[i] = rows[i].unit()
	}
	return out
}

func (q queries) ipath(ctx context.Context, unit int64) (string, error) {
	var ip string
	err := q.stmt(ctx, q.p.ipath).QueryRowContext(ctx, unit).Scan(&ip)
	if errors.Is(err, sql.ErrNoRows) {
		return "", dangke.Errorf(dangke.ENOTFOUND, "单位编号 %d 不存在。", unit)
	}
	if err != nil {
		return "", fmt.Errorf("store: unit path: %w", err)
	}
	return ip, nil
}

// Units returns a subtree ordered by path, or the whole tree for root 0.
func (q queries) Units(ctx context.Context, root int64) ([]dangke.Unit, error) {
	var rows []unitRow
	var err error
	if root == 0 {
		err = q.db.NewRaw("SELECT "+unitCols+" FROM units ORDER BY path").Scan(ctx, &rows)
	} else {
		var ip string
		if ip, err = q.ipath(ctx, root); err != nil {
			return nil, err
		}
		lo, hi := subtree(ip)
		err = q.db.NewRaw("SELECT "+unitCols+" FROM units WHERE ipath >= ? AND ipath < ? ORDER BY path", lo, hi).Scan(ctx, &rows)
	}
	if err != nil {
		return nil, fmt.Errorf("store: units: %w", err)
	}
	return units(rows), nil
}

// ChatUnit returns the unit a chat is bound to, or nil.
func (q queries) ChatUnit(ctx context.Context, chat dangke.ChatRef) (*dangke.Unit, error) {
	if u, ok := q.fetched(ctx).takeUnit(chat); ok {
		return u, nil
	}
	r, err := q.unitBy(ctx, q.p.chatUnit, chat.Platform, chat.ID)
	if err != nil || r == nil {
		return nil, err
	}
	u := r.unit()
	return &u, nil
}

// Roles returns the roles granted to a person.
func (q queries) Roles(ctx context.Context, person string) ([]dangke.Role, error) {
	if roles, ok := q.fetched(ctx).takeRoles(person); ok {
		return roles, nil
	}
	rows, err := q.stmt(ctx, q.p.roles).QueryContext(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("store: roles: %w", err)
	}
	defer rows.Close()
	var out []dangke.Role
	for rows.Next() {
		var r dangke.Role
		var at int64
		if err := rows.Scan(&r.Person, &r.UnitID, &r.UnitPath, &r.GrantedBy, &at); err != nil {
			return nil, fmt.Errorf("store: roles: %w", err)
		}
		r.GrantedAt = fromMillis(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: roles: %w", err)
	}
	return out, nil
}

// figuresRow is what the figure queries scan into.
type figuresRow struct {
	TopID       int64 `bun:"top_id"`
	Lectures    int   `bun:"lectures"`
	Speakers    int   `bun:"speakers"`
	Leaders     int   `bun:"leaders"`
	Attendees   int   `bun:"attendees"`
	Satisfied   int   `bun:"satisfied"`
	Surveyed    int   `bun:"surveyed"`
	Members     int   `bun:"members"`
	CovSpeakers int   `bun:"cov_speakers"`
	CovMembers  int   `bun:"cov_members"`
	UnsetN      int   `bun:"unset_n"`
	OverN       int   `bun:"over_n"`
	Units       int   `bun:"n_units"` // units summed, where the query counts them
}

func (r figuresRow) figures() dangke.Figures {
	return dangke.Figures{Lectures: r.Lectures, Speakers: r.Speakers, Leaders: r.Leaders, Attendees: r.Attendees,
		Satisfied: r.Satisfied, Surveyed: r.Surveyed, Members: r.Members,
		CoveredSpeakers: r.CovSpeakers, CoveredMembers: r.CovMembers,
		Unset: dangke.Doubtful{N: r.UnsetN}, Over: dangke.Doubtful{N: r.OverN}}
}

// unitFilter returns a WHERE fragment on the units alias u restricting to a
// subtree, or to everything for unit 0.
func (q queries) unitFilter(ctx context.Context, unit int64) (string, []any, error) {
	if unit == 0 {
		return "1 = 1", nil, nil
	}
	ip, err := q.ipath(ctx, unit)
	if err != nil {
		return "", nil, err
	}
	lo, hi := subtree(ip)
	return "u.ipath >= ? AND u.ipath < ?", []any{lo, hi}, nil
}

// A unit (alias u, its own running totals t) is covered — counted in
// coverage — when it has a member count that its own lecturers do not
// exceed. Names of one unit are distinct people (links join names of
// different units), so its own lecturers are its speakers.
const (
	coveredSQL = "(u.members > 0 AND coalesce(t.speakers, 0) <= u.members)"
	unsetSQL   = "(u.members = 0 AND (u.kind = 'branch' OR coalesce(t.lectures, 0) > 0))"
	overSQL    = "(u.members > 0 AND coalesce(t.speakers, 0) > u.members)"
)

const totalsSelect = `SELECT %s
	coalesce(sum(t.lectures), 0) AS lectures, coalesce(sum(t.speakers), 0) AS speakers,
	coalesce(sum(t.leaders), 0) AS leaders, coalesce(sum(t.attendees), 0) AS attendees,
	coalesce(sum(t.satisfied), 0) AS satisfied, coalesce(sum(t.surveyed), 0) AS surveyed,
	coalesce(sum(u.members), 0) AS members,
	coalesce(sum(CASE WHEN ` + coveredSQL + ` THEN t.speakers END), 0) AS cov_speakers,
	coalesce(sum(CASE WHEN ` + coveredSQL + ` THEN u.members END), 0) AS cov_members,
	coalesce(sum(CASE WHEN ` + unsetSQL + ` THEN 1 ELSE 0 END), 0) AS unset_n,
	coalesce(sum(CASE WHEN ` + overSQL + ` THEN 1 ELSE 0 END), 0) AS over_n,
	count(*) AS n_units
	FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id WHERE %s %s`

func (r *figuresRow) add(o *figuresRow) {
	r.Lectures += o.Lectures
	r.Speakers += o.Speakers
	r.Leaders += o.Leaders
	r.Attendees += o.Attendees
	r.Satisfied += o.Satisfied
	r.Surveyed += o.Surveyed
	r.Members += o.Members
	r.CovSpeakers += o.CovSpeakers
	r.CovMembers += o.CovMembers
	r.UnsetN += o.UnsetN
	r.OverN += o.OverN
}

// subtreeLinks reads the links of a subtree's active lecturers, from the
// subtree's units (prepared: it runs with every lecture's confirmation).
const subtreeLinks = `SELECT u.top_id, sp.person_id, s.leader_lectures > 0 AS leader, ` + coveredSQL + ` AS covered
	FROM units u JOIN speaker_people sp ON sp.unit_id = u.id
	JOIN speakers s ON s.unit_id = sp.unit_id AND s.name = sp.name
	LEFT JOIN unit_totals t ON t.unit_id = u.id WHERE u.ipath >= ? AND u.ipath < ?`

// cityLinks reads every linked active lecturer, from the small links table.
const cityLinks = `SELECT u.top_id, sp.person_id, s.leader_lectures > 0 AS leader, ` + coveredSQL + ` AS covered
	FROM speaker_people sp CROSS JOIN units u ON u.id = sp.unit_id
	JOIN speakers s ON s.unit_id = sp.unit_id AND s.name = sp.name
	LEFT JOIN unit_totals t ON t.unit_id = sp.unit_id`

func dayRange(p dangke.Period) []any {
	return []any{p.From.Format(dangke.DateLayout), p.To.Format(dangke.DateLayout)}
}

// Figures returns a subtree's figures over a period.
func (q queries) Figures(ctx context.Context, unit int64, p dangke.Period) (dangke.Figures, error) {
	var sub map[int64][2]int
	if unit != 0 {
		// Most asks are of a branch (the figures under every confirmation):
		// one read answers whether it has units below and, if not, its totals.
		var below, belowMembers int
		var tot figuresRow
		var err error
		if a, ok := q.takeFigures(unit); ok { // read with the lecture just added (pipeline.go)
			below, belowMembers, tot = a.below, a.belowMembers, a.row
		} else {
			err = q.row(ctx, q.p.leafTotals, []any{unit}, &below, &belowMembers, &tot.Lectures, &tot.Speakers,
				&tot.Leaders, &tot.Attendees, &tot.Satisfied, &tot.Surveyed, &tot.Members,
				&tot.CovSpeakers, &tot.CovMembers, &tot.UnsetN, &tot.OverN, &tot.Units)
		}
		if err != nil {
			return dangke.Figures{}, fmt.Errorf("store: figures: %w", err)
		}
		if tot.Units == 0 {
			return dangke.Figures{}, dangke.Errorf(dangke.ENOTFOUND, "单位编号 %d 不存在。", unit)
		}
		if below == 0 {
			return q.leafFigures(ctx, unit, p, tot)
		}
		sub = map[int64][2]int{unit: {below, belowMembers}} // the same read said what is below
	}
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return dangke.Figures{}, err
	}
	if sub == nil {
		if sub, err = q.treeUnit(ctx, unit); err != nil {
			return dangke.Figures{}, err
		}
	}
	if unit == 0 || sub[unit][0] > 0 {
		// Units below: the subtree totals.
		tot, doubts, err := q.subtreeFigures(ctx, unit, where, args, p, sub[unit])
		if err != nil {
			return dangke.Figures{}, err
		}
		f := tot.figures()
		if err := q.refine(ctx, where, args, p, true, f.Partial(), doubts, func(int64) *dangke.Figures { return &f }); err != nil {
			return dangke.Figures{}, err
		}
		return f, nil
	}
	// A unit with no units below (the province has, and was answered above).
	var tot figuresRow
	err = q.stmt(ctx, q.p.subtreeTotals).QueryRowContext(ctx, args...).Scan(&tot.Lectures, &tot.Speakers,
		&tot.Leaders, &tot.Attendees, &tot.Satisfied, &tot.Surveyed, &tot.Members,
		&tot.CovSpeakers, &tot.CovMembers, &tot.UnsetN, &tot.OverN, &tot.Units)
	if err != nil {
		return dangke.Figures{}, fmt.Errorf("store: figures: %w", err)
	}
	if !p.IsZero() {
		rows, err := q.periodRows(ctx, where, args, p, false)
		if err != nil {
			return dangke.Figures{}, err
		}
		lec := rows[0]
		lec.Members, lec.CovMembers, lec.UnsetN, lec.OverN = tot.Members, tot.CovMembers, tot.UnsetN, tot.OverN
		tot = lec
	}
	f := tot.figures()
	// A unit without units below it holds each person under one name at
	// most (links join names of different units): nothing to correct.
	leaf := unit != 0 && tot.Units == 1
	if err := q.refine(ctx, where, args, p, !leaf, f.Partial(), nil, func(int64) *dangke.Figures { return &f }); err != nil {
		return dangke.Figures{}, err
	}
	return f, nil
}

// leafFigures finishes the figures of a unit with no units below it from
// its own totals: those of the period if one is asked, then the few
// corrections refine makes for a unit of its own (none for linked people:
// a unit holds each person under one name).
func (q queries) leafFigures(ctx context.Context, unit int64, p dangke.Period, tot figuresRow) (dangke.Figures, error) {
	where, args := "u.id = ?", []any{unit}
	if !p.IsZero() {
		rows, err := q.periodRows(ctx, where, args, p, false)
		if err != nil {
			return dangke.Figures{}, err
		}
		lec := rows[0]
		lec.Members, lec.CovMembers, lec.UnsetN, lec.OverN, lec.Units = tot.Members, tot.CovMembers, tot.UnsetN, tot.OverN, tot.Units
		tot = lec
	}
	f := tot.figures()
	if err := q.refine(ctx, where, args, p, false, f.Partial(), nil, func(int64) *dangke.Figures { return &f }); err != nil {
		return dangke.Figures{}, err
	}
	return f, nil
}

// treeUnit is treeUnits of one unit, through a prepared statement: the
// figures under every confirmation ask it.
func (q queries) treeUnit(ctx context.Context, unit int64) (map[int64][2]int, error) {
	var n [2]int
	err := q.stmt(ctx, q.p.treeUnit).QueryRowContext(ctx, unit).Scan(&n[0], &n[1])
	if errors.Is(err, sql.ErrNoRows) {
		return map[int64][2]int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: subtree units: %w", err)
	}
	return map[int64][2]int{unit: n}, nil
}

// refine corrects summed figures for people linked across units and names
// the units left out of coverage; at gives the figures of a reporting unit
// (nil: not wanted); people asks for the correction, doubts for the names
// (named: those units already read, or nil to read them). The sums count a person
// once per name: for each person with k > 1 active names in the subtree,
// k-1 too many, and the same for leading cadres and for the covered units'
// lecturers. The links table is small, so the correction is read from it,
// never from the lectures.
func (q queries) refine(ctx context.Context, where string, args []any, p dangke.Period, people, doubts bool, named []doubtUnit, at func(top int64) *dangke.Figures) error {
	var links []link
	var err error
	if people {
		if links, err = q.links(ctx, where, args, p); err != nil {
			return err
		}
	}
	// A person is counted once in each figure that holds their names: the
	// figures are the key, not the reporting units, so a person whose
	// names a move left in two counties counts once in the city's figures
	// (and once in each county's).
	type key struct {
		f      *dangke.Figures
		person int64
	}
	type count struct{ names, leaders, covered int }
	persons := map[key]*count{}
	for _, l := range links {
		f := at(l.TopID)
		if f == nil {
			continue
		}
		k := key{f, l.Person}
		c := persons[k]
		if c == nil {
			c = &count{}
			persons[k] = c
		}
		c.names++
		c.leaders += b2i(l.Leader)
		c.covered += b2i(l.Covered)
	}
	for k, c := range persons {
		f := k.f
		f.Speakers -= max(c.names-1, 0)
		f.Leaders -= max(c.leaders-1, 0)
		f.CoveredSpeakers -= max(c.covered-1, 0)
	}
	if !doubts {
		return nil
	}
	if named == nil {
		if named, err = q.doubtUnits(ctx, where, args, dangke.Period{}, false); err != nil {
			return err
		}
	}
	for _, r := range named {
		f := at(r.TopID)
		if f == nil {
			continue
		}
		d := &f.Unset
		if r.Members > 0 {
			d = &f.Over
		}
		if len(d.Units) < dangke.MaxNamed {
			d.Units = append(d.Units, dangke.DoubtfulUnit{Path: r.Path, Kind: dangke.UnitKind(r.Kind), Speakers: r.Speakers, Members: r.Members})
		}
	}
	return nil
}

// links reads the linked names of a subtree's (where, args) lecturers
// active in p.
func (q queries) links(ctx context.Context, where string, args []any, p dangke.Period) ([]link, error) {
	var links []link
	var err error
	switch {
	case p.IsZero() && where != "1 = 1":
		links, err = q.linkRows(ctx, q.p.subtreeLinks, args...)
	case p.IsZero():
		links, err = q.linkRows(ctx, q.p.cityLinks)
	default:
		err = q.db.NewRaw(`SELECT u.top_id, sp.person_id, max(l.leader) AS leader, `+coveredSQL+` AS covered
			FROM speaker_people sp CROSS JOIN units u ON u.id = sp.unit_id
			LEFT JOIN unit_totals t ON t.unit_id = sp.unit_id
			JOIN lectures l ON l.unit_id = sp.unit_id AND l.speaker = sp.name
			WHERE l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? AND `+where+`
			GROUP BY sp.unit_id, sp.name, u.top_id, u.members, t.speakers`, append(dayRange(p), args...)...).Scan(ctx, &links)
	}
	if err != nil {
		return nil, fmt.Errorf("store: linked lecturers: %w", err)
	}
	return links, nil
}

// CityFigures returns the city's figures over a period and every reporting
// unit's (TopFigures): the city's are the reporting units' added up, less
// the people whose names lie in more than one of them (a move leaves them
// so), read from the small links table — not a second pass over the
// province (Figures of 0 gives the same, at twice the cost).
func (q queries) CityFigures(ctx context.Context, p dangke.Period) (dangke.Figures, []dangke.UnitFigures, error) {
	tops, err := q.TopFigures(ctx, p)
	if err != nil {
		return dangke.Figures{}, nil, err
	}
	var city dangke.Figures
	for _, t := range tops {
		city.Add(t.Figures)
	}
	links, err := q.links(ctx, "1 = 1", nil, p)
	if err != nil {
		return dangke.Figures{}, nil, err
	}
	// Per person and reporting unit: a lecturer there, a leading cadre,
	// in a covered unit (once each, as TopFigures counts them).
	type flags struct{ leader, covered bool }
	people := map[int64]map[int64]flags{}
	for _, l := range links {
		if people[l.Person] == nil {
			people[l.Person] = map[int64]flags{}
		}
		f := people[l.Person][l.TopID]
		f.leader = f.leader || l.Leader
		f.covered = f.covered || l.Covered
		people[l.Person][l.TopID] = f
	}
	for _, tops := range people {
		leaders, covered := 0, 0
		for _, f := range tops {
			leaders += b2i(f.leader)
			covered += b2i(f.covered)
		}
		city.Speakers -= len(tops) - 1
		city.Leaders -= max(leaders-1, 0)
		city.CoveredSpeakers -= max(covered-1, 0)
	}
	return city, tops, nil
}

// link is a linked name of an active lecturer: its reporting unit, its
// person, whether it lectured as a leading cadre, whether its unit is covered.
type link struct {
	TopID   int64 `bun:"top_id"`
	Person  int64 `bun:"person_id"`
	Leader  bool  `bun:"leader"`
	Covered bool  `bun:"covered"`
}

// linkRows runs a prepared links query.
func (q queries) linkRows(ctx context.Context, st *sql.Stmt, args ...any) ([]link, error) {
	rows, err := q.stmt(ctx, st).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.TopID, &l.Person, &l.Leader, &l.Covered); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LectureCount counts a subtree's active lectures in a period: whole
// weeks from unit_weeks, the days around them from the lectures.
func (q queries) LectureCount(ctx context.Context, unit int64, p dangke.Period) (int, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return 0, err
	}
	n := 0
	sub, err := q.treeUnit(ctx, unit) // prepared: /统计 asks it twice an answer
	if err != nil {
		return 0, err
	}
	if unit == 0 || sub[unit][0] > 0 {
		// Units below: the subtree totals, and the unit's own lectures.
		from, to := days(p)
		if err := q.db.NewRaw("SELECT coalesce(sum(lectures), 0) FROM tree_days WHERE unit_id = ? AND day >= ? AND day <= ?",
			unit, from, to).Scan(ctx, &n); err != nil {
			return 0, fmt.Errorf("store: lecture count: %w", err)
		}
		if unit == 0 {
			return n, nil
		}
		where, args = "u.id = ?", []any{unit}
	}
	s := splitPeriod(p)
	if s.weeks() {
		query := "SELECT coalesce(sum(w.lectures), 0) FROM " + weeksByUnit + " WHERE w.week >= ? AND w.week <= ? AND " + where
		var k int
		err := q.db.NewRaw(query, append([]any{s.weekFrom, s.weekTo}, args...)...).Scan(ctx, &k)
		if err != nil {
			return 0, fmt.Errorf("store: lecture count: %w", err)
		}
		n += k
	}
	small, err := q.smallSubtree(ctx, where, args)
	if err != nil {
		return 0, err
	}
	if arms, eargs := s.edgeDays("1", where, args, small); arms != "" {
		var k int
		if err := q.db.NewRaw("SELECT count(*) FROM ("+arms+") e", eargs...).Scan(ctx, &k); err != nil {
			return 0, fmt.Errorf("store: lecture count: %w", err)
		}
		n += k
	}
	return n, nil
}

// TopFigures returns every reporting unit's figures over a period, in path order.
func (q queries) TopFigures(ctx context.Context, p dangke.Period) ([]dangke.UnitFigures, error) {
	var tops []unitRow
	if err := q.db.NewRaw("SELECT "+unitCols+" FROM units WHERE parent_id IS NULL ORDER BY path").Scan(ctx, &tops); err != nil {
		return nil, fmt.Errorf("store: top units: %w", err)
	}
	ids := make([]int64, len(tops))
	for i := range tops {
		ids[i] = tops[i].ID
	}
	below, err := q.treeRows(ctx, ids, p, true)
	if err != nil {
		return nil, err
	}
	sub, err := q.treeUnits(ctx, ids)
	if err != nil {
		return nil, err
	}
	named, err := q.doubtUnits(ctx, "1 = 1", nil, p, true)
	if err != nil {
		return nil, err
	}
	d := doubtSums(named)
	if named, err = q.withBuckets(ctx, ids, p, named, d); err != nil {
		return nil, err
	}
	doubts := len(named) > 0
	out := make([]dangke.UnitFigures, len(tops))
	index := make(map[int64]*dangke.Figures, len(tops))
	// The reporting units' own lectures: their campaign totals in one
	// query; a period only for those that have lectures of their own.
	var owns []figuresRow
	if err := q.db.NewRaw(`SELECT u.id AS top_id, coalesce(t.lectures, 0) AS lectures, coalesce(t.speakers, 0) AS speakers,
		coalesce(t.leaders, 0) AS leaders, coalesce(t.attendees, 0) AS attendees, coalesce(t.satisfied, 0) AS satisfied,
		coalesce(t.surveyed, 0) AS surveyed, u.members AS members
		FROM units u LEFT JOIN unit_totals t ON t.unit_id = u.id WHERE u.parent_id IS NULL`).Scan(ctx, &owns); err != nil {
		return nil, fmt.Errorf("store: top figures: %w", err)
	}
	ownOf := make(map[int64]*figuresRow, len(owns))
	var lecturing []any // reporting units with lectures of their own
	for i := range owns {
		ownOf[owns[i].TopID] = &owns[i]
		if owns[i].Lectures > 0 {
			lecturing = append(lecturing, owns[i].TopID)
		}
	}
	periodOf := map[int64]*figuresRow{}
	if !p.IsZero() && len(lecturing) > 0 {
		// Their own lectures in the period, all in one query.
		rows, err := q.periodRows(ctx, "u.id IN (?"+strings.Repeat(", ?", len(lecturing)-1)+")", lecturing, p, true)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			periodOf[rows[i].TopID] = &rows[i]
		}
	}
	for i := range tops {
		own, members := ownOf[tops[i].ID], 0
		if own != nil {
			members = own.Members
			if !p.IsZero() && own.Lectures > 0 {
				own = periodOf[tops[i].ID]
			}
		}
		r := treeFigure(below[tops[i].ID], own, sub[tops[i].ID], members)
		r.withDoubts(d[tops[i].ID])
		out[i].Unit = tops[i].unit()
		out[i].Figures = r.figures()
		index[tops[i].ID] = &out[i].Figures
	}
	if err := q.refine(ctx, "1 = 1", nil, p, true, doubts, named, func(top int64) *dangke.Figures { return index[top] }); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolSize counts the active lecturers in a county's pool.
func (q queries) PoolSize(ctx context.Context, county int64) (int, error) {
	var n int
	if err := q.db.NewRaw("SELECT count(*) FROM instructors WHERE pool_id = ? AND "+liveInstructor(""), county).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("store: pool size: %w", err)
	}
	return n, nil
}

type lectureRow struct {
	ID        int64  `bun:"id"`
	UnitID    int64  `bun:"unit_id"`
	UnitPath  string `bun:"path"`
	Speaker   string `bun:"speaker"`
	Position  string `bun:"position"`
	Title     string `bun:"title"`
	Day       string `bun:"day"`
	Attendees int    `bun:"attendees"`
	Venue     string `bun:"venue"`
	Form      string `bun:"form"`
	Minutes   int    `bun:"minutes"`
	Satisfied int    `bun:"satisfied"`
	Surveyed  int    `bun:"surveyed"`
	Link      string `bun:"link"`
	Leader    bool   `bun:"leader"`
	Author    string `bun:"author"`
	Chat      string `bun:"chat"`
	CreatedAt int64  `bun:"created_at"`
}

func (r *lectureRow) lecture() dangke.Lecture {
	day, _ := time.Parse(dangke.DateLayout, r.Day)
	return dangke.Lecture{
		ID: r.ID, UnitID: r.UnitID, UnitPath: r.UnitPath, Speaker: r.Speaker, Position: r.Position,
		Title: r.Title, Date: day, Attendees: r.Attendees, Venue: r.Venue, Form: r.Form,
		Minutes: r.Minutes, Satisfied: r.Satisfied, Surveyed: r.Surveyed, Link: r.Link,
		Leader: r.Leader, Author: r.Author, Chat: r.Chat, CreatedAt: fromMillis(r.CreatedAt),
	}
}

const lectureCols = `l.id, l.unit_id, u.path, l.speaker, l.position, l.title, l.day, l.attendees, l.venue,
	l.form, l.minutes, l.satisfied, l.surveyed, l.link, l.leader, l.author, l.chat, l.created_at`

// Lectures returns a subtree's most recent active lectures, newest first.
func (q queries) Lectures(ctx context.Context, unit int64, limit int) ([]dangke.Lecture, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	var rows []lectureRow
	err = q.db.NewRaw("SELECT "+lectureCols+" FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.withdrawn_at IS NULL AND "+
		where+" ORDER BY l.id DESC LIMIT ?", append(args, limit)...).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: lectures: %w", err)
	}
	out := make([]dangke.Lecture, len(rows))
	for i := range rows {
		out[i] = rows[i].lecture()
	}
	return out, nil
}

// LecturesIn returns a subtree's active lectures in a period, by date.
func (q queries) LecturesIn(ctx context.Context, unit int64, p dangke.Period) ([]dangke.Lecture, error) {
	var out []dangke.Lecture
	err := q.EachLectureIn(ctx, unit, p, func(l dangke.Lecture) error { out = append(out, l); return nil })
	return out, err
}

// EachLectureIn calls fn with every active lecture of a subtree in a
// period, by date, one row at a time.
func (q queries) EachLectureIn(ctx context.Context, unit int64, p dangke.Period, fn func(dangke.Lecture) error) error {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return err
	}
	if !p.IsZero() {
		where += " AND l.day >= ? AND l.day <= ?"
		args = append(args, dayRange(p)...)
	}
	// Scanned by database/sql, not Bun: an export reads a hundred thousand
	// rows, and Bun's reflection took three times as long and as much memory.
	rows, err := q.db.QueryContext(ctx, "SELECT "+lectureCols+" FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.withdrawn_at IS NULL AND "+
		where+" ORDER BY l.day, l.id", args...)
	if err != nil {
		return fmt.Errorf("store: lectures in period: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r lectureRow
		if err := rows.Scan(&r.ID, &r.UnitID, &r.UnitPath, &r.Speaker, &r.Position, &r.Title, &r.Day, &r.Attendees, &r.Venue,
			&r.Form, &r.Minutes, &r.Satisfied, &r.Surveyed, &r.Link, &r.Leader, &r.Author, &r.Chat, &r.CreatedAt); err != nil {
			return fmt.Errorf("store: lectures in period: %w", err)
		}
		if err := fn(r.lecture()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: lectures in period: %w", err)
	}
	return nil
}

// scanLectures reads rows of lectureCols and closes them.
func scanLectures(rows *sql.Rows) ([]dangke.Lecture, error) {
	defer rows.Close()
	var out []dangke.Lecture
	for rows.Next() {
		var r lectureRow
		if err := rows.Scan(&r.ID, &r.UnitID, &r.UnitPath, &r.Speaker, &r.Position, &r.Title, &r.Day, &r.Attendees, &r.Venue,
			&r.Form, &r.Minutes, &r.Satisfied, &r.Surveyed, &r.Link, &r.Leader, &r.Author, &r.Chat, &r.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, r.lecture())
	}
	return out, rows.Err()
}

// Lecture finds an active lecture.
func (q queries) Lecture(ctx context.Context, id int64) (*dangke.Lecture, error) {
	var r lectureRow
	err := q.db.NewRaw("SELECT "+lectureCols+" FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.id = ? AND l.withdrawn_at IS NULL", id).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的党课记录（或已撤销）。", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: lecture: %w", err)
	}
	l := r.lecture()
	return &l, nil
}

type instructorRow struct {
	ID        int64  `bun:"id"`
	PoolID    int64  `bun:"pool_id"`
	UnitID    int64  `bun:"unit_id"`
	Name      string `bun:"name"`
	Gender    string `bun:"gender"`
	BirthY    int    `bun:"birth_y"`
	BirthM    int    `bun:"birth_m"`
	Workplace string `bun:"workplace"`
	Position  string `bun:"position"`
	Phone     string `bun:"phone"`
	Author    string `bun:"author"`
	Chat      string `bun:"chat"`
	CreatedAt int64  `bun:"created_at"`
}

func (r *instructorRow) instructor() dangke.Instructor {
	return dangke.Instructor{
		ID: r.ID, PoolID: r.PoolID, UnitID: r.UnitID, Name: r.Name, Gender: r.Gender,
		BirthY: r.BirthY, BirthM: r.BirthM, Workplace: r.Workplace, Position: r.Position, Phone: r.Phone,
		Author: r.Author, Chat: r.Chat, CreatedAt: fromMillis(r.CreatedAt),
	}
}

const instructorCols = `i.id, i.pool_id, i.unit_id, i.name, i.gender, i.birth_y, i.birth_m,
	i.workplace, i.position, i.phone, i.author, i.chat, i.created_at`

// Instructors returns a county pool's active lecturers in the order they were added.
func (q queries) Instructors(ctx context.Context, county int64) ([]dangke.Instructor, error) {
	var rows []instructorRow
	err := q.db.NewRaw("SELECT "+instructorCols+" FROM instructors i WHERE i.pool_id = ? AND "+liveInstructor("i")+" ORDER BY i.id", county).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: instructors: %w", err)
	}
	out := make([]dangke.Instructor, len(rows))
	for i := range rows {
		out[i] = rows[i].instructor()
	}
	return out, nil
}

// Instructor finds an active lecturer.
func (q queries) Instructor(ctx context.Context, id int64) (*dangke.Instructor, error) {
	var r instructorRow
	err := q.db.NewRaw("SELECT "+instructorCols+" FROM instructors i WHERE i.id = ? AND "+liveInstructor("i"), id).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的宣讲员（或已移除）。", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: instructor: %w", err)
	}
	in := r.instructor()
	return &in, nil
}

// LastEntry returns the newest active lecture, lecturer or attachment that
// author logged. The audit table orders entries of all kinds in one sequence.
func (q queries) LastEntry(ctx context.Context, author string) (*dangke.Entry, error) {
	var rows []struct {
		Entity   string `bun:"entity"`
		EntityID int64  `bun:"entity_id"`
		At       int64  `bun:"at"`
		Live     bool   `bun:"live"`
	}
	err := q.db.NewRaw(`SELECT a.entity, a.entity_id, a.at,
		CASE a.entity
			WHEN 'lecture' THEN EXISTS (SELECT 1 FROM lectures WHERE id = a.entity_id AND withdrawn_at IS NULL)
			WHEN 'file' THEN EXISTS (SELECT 1 FROM attachments f JOIN lectures l ON l.id = f.lecture_id
				WHERE f.id = a.entity_id AND f.removed_at IS NULL AND l.withdrawn_at IS NULL)
			ELSE EXISTS (SELECT 1 FROM instructors WHERE id = a.entity_id AND `+liveInstructor("")+`)
		END AS live
		FROM audit a WHERE a.actor = ? AND a.action IN ('lecture.add', 'instructor.add', 'file.add')
		ORDER BY a.id DESC LIMIT 100`, author).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: last entry: %w", err)
	}
	for _, r := range rows {
		if r.Live {
			return &dangke.Entry{Kind: r.Entity, ID: r.EntityID, At: fromMillis(r.At)}, nil
		}
	}
	return nil, nil
}

// Reply returns the saved reply of a handled message: its text and state.
func (q queries) Reply(ctx context.Context, key dangke.MessageKey) (dangke.Outgoing, bool, error) {
	if o, found, ok := q.fetched(ctx).takeReply(key); ok {
		return o, found, nil
	}
	o := dangke.Outgoing{Key: key}
	err := q.stmt(ctx, q.p.reply).QueryRowContext(ctx, key.Platform, key.Chat, key.ID).Scan(&o.Text, &o.State)
	if errors.Is(err, sql.ErrNoRows) {
		return dangke.Outgoing{}, false, nil
	}
	if err != nil {
		return dangke.Outgoing{}, false, fmt.Errorf("store: message: %w", err)
	}
	return o, true, nil
}

// isUnique reports whether err is a UNIQUE constraint failure, of
// SQLite or of PostgreSQL (SQLSTATE 23505).
func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || pgCode(err) == "23505")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
