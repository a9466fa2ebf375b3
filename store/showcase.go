package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// The 示范宣讲 figures, the online micro-classroom and the city pool (issue
// 14). show_totals and show_weeks are kept by triggers (migration
// 20261129004000) in the statement that writes a lecture, like unit_totals
// and unit_weeks.

// showCols are the columns of show_totals and show_weeks: the lectures by
// form (Forms, in order) and the 示范宣讲 by venue ("", then Venues).
const showCols = "f1, f2, f3, v0, v1, v2, v3, v4, v5"

// showCounts counts showCols from lectures l.
const showCounts = `sum(CASE WHEN l.form IN ('普通', '') THEN 1 ELSE 0 END), sum(CASE WHEN l.form = '情景' THEN 1 ELSE 0 END),
	sum(CASE WHEN l.form = '文艺' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '' THEN 1 ELSE 0 END),
	sum(CASE WHEN l.demo <> 0 AND l.venue = '机关' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '社区' THEN 1 ELSE 0 END),
	sum(CASE WHEN l.demo <> 0 AND l.venue = '企业' THEN 1 ELSE 0 END), sum(CASE WHEN l.demo <> 0 AND l.venue = '农村' THEN 1 ELSE 0 END),
	sum(CASE WHEN l.demo <> 0 AND l.venue = '学校' THEN 1 ELSE 0 END)`

// The kept tables and the same rows counted from the lectures, for
// CheckTotals and RebuildTotals.
const (
	showTotalsKept    = "SELECT unit_id, " + showCols + " FROM show_totals"
	showTotalsCounted = "SELECT l.unit_id, " + showCounts + " FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1"
	showWeeksKept     = "SELECT unit_id, week, " + showCols + " FROM show_weeks"
	showWeeksCounted  = "SELECT l.unit_id, date(l.day, 'weekday 0', '-6 days'), " + showCounts + " FROM lectures l WHERE l.withdrawn_at IS NULL GROUP BY 1, 2"
)

// showSums sums showCols over %s.
const showSums = "SELECT coalesce(sum(w.f1), 0), coalesce(sum(w.f2), 0), coalesce(sum(w.f3), 0), coalesce(sum(w.v0), 0), coalesce(sum(w.v1), 0), " +
	"coalesce(sum(w.v2), 0), coalesce(sum(w.v3), 0), coalesce(sum(w.v4), 0), coalesce(sum(w.v5), 0) FROM "

// Shows counts a subtree's lectures by form and 示范宣讲 by venue. A unit
// with units below it (and the whole province) reads the subtree's day
// rows (tree_shows, a key range of the period's days) and its own
// lectures; a unit without reads its own: the whole campaign from
// show_totals, a period's whole weeks from show_weeks and its edge days
// (at most six on each side) from the lectures.
func (q queries) Shows(ctx context.Context, unit int64, p dangke.Period) (dangke.Shows, error) {
	var s dangke.Shows
	s.Add("", "", false, 0) // the maps, empty
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return s, err
	}
	type arm struct {
		sql  string
		args []any
	}
	var arms []arm
	sub, err := q.treeUnits(ctx, []int64{unit})
	if err != nil {
		return s, err
	}
	switch {
	case unit == 0 || sub[unit][0] > 0:
		// Units below: the subtree's day rows, and the unit's own lectures
		// (a county or town seldom has any; read through lectures_speaker).
		from, to := days(p)
		arms = append(arms, arm{showSums + "tree_shows w WHERE w.unit_id = ? AND w.day >= ? AND w.day <= ?", []any{unit, from, to}})
		if unit != 0 {
			arms = append(arms, arm{"SELECT " + showCounts + ` FROM lectures l INDEXED BY lectures_speaker
				WHERE l.unit_id = ? AND l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ?`, []any{unit, from, to}})
		}
	case p.IsZero() && unit == 0:
		arms = append(arms, arm{showSums + "show_totals w", nil})
	case p.IsZero():
		arms = append(arms, arm{showSums + "units u CROSS JOIN show_totals w ON w.unit_id = u.id WHERE " + where, args})
	default:
		sp := splitPeriod(p)
		if sp.weeks() && unit == 0 {
			arms = append(arms, arm{showSums + "show_weeks w INDEXED BY show_weeks_week WHERE w.week >= ? AND w.week <= ?", []any{sp.weekFrom, sp.weekTo}})
		} else if sp.weeks() {
			arms = append(arms, arm{showSums + "units u CROSS JOIN show_weeks w ON w.unit_id = u.id WHERE w.week >= ? AND w.week <= ? AND " + where,
				append([]any{sp.weekFrom, sp.weekTo}, args...)})
		}
		for _, r := range [][2]string{sp.head, sp.tail} {
			if r[0] <= r[1] {
				arms = append(arms, arm{"SELECT " + showCounts + ` FROM lectures l INDEXED BY lectures_day JOIN units u ON u.id = l.unit_id
					WHERE l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? AND ` + where, append([]any{r[0], r[1]}, args...)})
			}
		}
	}
	for _, a := range arms {
		var n [9]sql.NullInt64
		if err := q.db.QueryRowContext(ctx, a.sql, a.args...).Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8]); err != nil {
			return s, fmt.Errorf("store: shows: %w", err)
		}
		for i, f := range dangke.Forms {
			s.Add("", f, false, int(n[i].Int64))
		}
		for i, v := range append([]string{""}, dangke.Venues...) {
			// A 示范宣讲 is one of the lectures counted by form above.
			if k := int(n[3+i].Int64); k > 0 {
				s.Demo += k
				s.ByVenue[v] += k
			}
		}
	}
	return s, nil
}

// DemoLectures returns a subtree's 示范宣讲 of a period, by date.
func (q queries) DemoLectures(ctx context.Context, unit int64, p dangke.Period) ([]dangke.Lecture, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	if !p.IsZero() {
		where += " AND l.day >= ? AND l.day <= ?"
		args = append(args, dayRange(p)...)
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+lectureCols+" FROM lectures l JOIN units u ON u.id = l.unit_id WHERE l.withdrawn_at IS NULL AND l.demo <> 0 AND "+
		where+" ORDER BY l.day, l.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: demo lectures: %w", err)
	}
	out, err := scanLectures(rows)
	if err != nil {
		return nil, fmt.Errorf("store: demo lectures: %w", err)
	}
	return out, nil
}

// IsDemoLecture reports whether a lecture is marked a 示范宣讲.
func (q queries) IsDemoLecture(ctx context.Context, id int64) (bool, error) {
	var demo bool
	err := q.db.QueryRowContext(ctx, "SELECT demo <> 0 FROM lectures WHERE id = ?", id).Scan(&demo)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: demo lecture: %w", err)
	}
	return demo, nil
}

// PoolNamed returns the active lecturers of a county's pool with a name.
func (q queries) PoolNamed(ctx context.Context, county int64, name string) ([]dangke.Instructor, error) {
	var rows []instructorRow
	err := q.db.NewRaw("SELECT "+instructorCols+" FROM instructors i WHERE i.pool_id = ? AND i.name = ? AND "+liveInstructor("i")+" ORDER BY i.id",
		county, name).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: pool named: %w", err)
	}
	out := make([]dangke.Instructor, len(rows))
	for i := range rows {
		out[i] = rows[i].instructor()
	}
	return out, nil
}

// Excellents returns the excellent active lectures of a subtree, newest first.
func (q queries) Excellents(ctx context.Context, unit int64, marked dangke.Period) ([]dangke.Excellent, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	if !marked.IsZero() {
		loc := marked.From.Location()
		from := time.Date(marked.From.Year(), marked.From.Month(), marked.From.Day(), 0, 0, 0, 0, loc)
		to := time.Date(marked.To.Year(), marked.To.Month(), marked.To.Day()+1, 0, 0, 0, 0, loc)
		where += " AND e.marked_at >= ? AND e.marked_at < ?"
		args = append(args, millis(from), millis(to))
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+lectureCols+`, e.reason, e.marked_by, e.marked_at
		FROM excellent e JOIN lectures l ON l.id = e.lecture_id JOIN units u ON u.id = l.unit_id
		WHERE l.withdrawn_at IS NULL AND `+where+" ORDER BY l.day DESC, l.id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("store: excellent: %w", err)
	}
	defer rows.Close()
	var out []dangke.Excellent
	for rows.Next() {
		var r lectureRow
		var e dangke.Excellent
		var at int64
		if err := rows.Scan(&r.ID, &r.UnitID, &r.UnitPath, &r.Speaker, &r.Position, &r.Title, &r.Day, &r.Attendees, &r.Venue,
			&r.Form, &r.Minutes, &r.Satisfied, &r.Surveyed, &r.Link, &r.Leader, &r.Author, &r.Chat, &r.CreatedAt,
			&e.Reason, &e.By, &at); err != nil {
			return nil, fmt.Errorf("store: excellent: %w", err)
		}
		e.Lecture, e.At = r.lecture(), fromMillis(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: excellent: %w", err)
	}
	return out, nil
}

// ExcellentOf returns a lecture's mark, or nil.
func (q queries) ExcellentOf(ctx context.Context, lecture int64) (*dangke.Excellent, error) {
	e := dangke.Excellent{}
	var at int64
	err := q.db.QueryRowContext(ctx, "SELECT reason, marked_by, marked_at FROM excellent WHERE lecture_id = ?", lecture).Scan(&e.Reason, &e.By, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: excellent: %w", err)
	}
	e.At = fromMillis(at)
	return &e, nil
}

// CityPool returns the lecturers recommended to the city pool.
func (q queries) CityPool(ctx context.Context, county int64) ([]dangke.CityPick, error) {
	where, args := "1 = 1", []any{}
	if county != 0 {
		where, args = "i.pool_id = ?", []any{county}
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+instructorCols+`, u.name, c.status, c.reason, c.recommended_by, c.recommended_at,
		c.decided_by, c.decided_at
		FROM city_pool c JOIN instructors i ON i.id = c.instructor_id JOIN units u ON u.id = i.pool_id
		WHERE `+liveInstructor("i")+" AND "+where+" ORDER BY u.path, i.name, i.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: city pool: %w", err)
	}
	defer rows.Close()
	var out []dangke.CityPick
	for rows.Next() {
		var r instructorRow
		var p dangke.CityPick
		var at, dat int64
		if err := rows.Scan(&r.ID, &r.PoolID, &r.UnitID, &r.Name, &r.Gender, &r.BirthY, &r.BirthM, &r.Workplace, &r.Position,
			&r.Phone, &r.Author, &r.Chat, &r.CreatedAt, &p.County, &p.Status, &p.Reason, &p.By, &at, &p.DecidedBy, &dat); err != nil {
			return nil, fmt.Errorf("store: city pool: %w", err)
		}
		p.Instructor, p.At = r.instructor(), fromMillis(at)
		if dat != 0 {
			p.DecidedAt = fromMillis(dat)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: city pool: %w", err)
	}
	return out, nil
}

// CityContest returns the city's newest contest.
func (q queries) CityContest(ctx context.Context) (*dangke.Contest, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, "SELECT id FROM contests WHERE unit_id IS NULL ORDER BY id DESC LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "还没有全市决赛：请系统管理员先用 /比赛 新建 建立。")
	}
	if err != nil {
		return nil, fmt.Errorf("store: city contest: %w", err)
	}
	return q.Contest(ctx, id)
}

// TopSpeakers returns the lecturers with the most lectures in a period.
func (q queries) TopSpeakers(ctx context.Context, unit int64, p dangke.Period, limit int) ([]dangke.SpeakerCount, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	query := "SELECT s.name, u.path, s.lectures FROM units u CROSS JOIN speakers s ON s.unit_id = u.id WHERE " + where
	if !p.IsZero() {
		query = `SELECT l.speaker, u.path, count(*) FROM lectures l JOIN units u ON u.id = l.unit_id
			WHERE l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? AND ` + where + " GROUP BY l.unit_id, l.speaker, u.path"
		args = append(dayRange(p), args...)
	}
	rows, err := q.db.QueryContext(ctx, "SELECT * FROM ("+query+") s ORDER BY 3 DESC, 2, 1 LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: top speakers: %w", err)
	}
	defer rows.Close()
	var out []dangke.SpeakerCount
	for rows.Next() {
		var s dangke.SpeakerCount
		if err := rows.Scan(&s.Name, &s.UnitPath, &s.Lectures); err != nil {
			return nil, fmt.Errorf("store: top speakers: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetDemo marks a lecture a 示范宣讲 or not; the trigger shows_changed
// moves it in unit_shows.
func (t *txStore) SetDemo(ctx context.Context, lecture int64, demo bool) error {
	_, err := t.db.ExecContext(ctx, "UPDATE lectures SET demo = ? WHERE id = ? AND withdrawn_at IS NULL AND demo <> ?", b2i(demo), lecture, b2i(demo))
	if err != nil {
		return fmt.Errorf("store: set demo: %w", err)
	}
	return nil
}

// FillLecture fills a lecture's empty optional fields.
func (t *txStore) FillLecture(ctx context.Context, lecture int64, f dangke.LectureFill) error {
	res, err := t.db.ExecContext(ctx, `UPDATE lectures SET
		link = CASE WHEN link = '' AND ? <> '' THEN ? ELSE link END,
		venue = CASE WHEN venue = '' AND ? <> '' THEN ? ELSE venue END,
		form = CASE WHEN form IN ('', ?) AND ? <> '' THEN ? ELSE form END,
		minutes = CASE WHEN minutes = 0 AND ? > 0 THEN ? ELSE minutes END
		WHERE id = ? AND withdrawn_at IS NULL`,
		f.Link, f.Link, f.Venue, f.Venue, dangke.Forms[0], f.Form, f.Form, f.Minutes, f.Minutes, lecture)
	if err != nil {
		return fmt.Errorf("store: fill lecture: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的党课记录（或已撤销）。", lecture)
	}
	return nil
}

// MarkExcellent marks a lecture excellent.
func (t *txStore) MarkExcellent(ctx context.Context, e dangke.Excellent) error {
	_, err := t.db.ExecContext(ctx, "INSERT INTO excellent (lecture_id, reason, marked_by, marked_at) VALUES (?, ?, ?, ?)",
		e.Lecture.ID, e.Reason, e.By, millis(e.At))
	if isUnique(err) {
		return dangke.Errorf(dangke.ECONFLICT, "#%d 已是优秀微党课。", e.Lecture.ID)
	}
	if err != nil {
		return fmt.Errorf("store: mark excellent: %w", err)
	}
	return nil
}

// UnmarkExcellent takes the mark away.
func (t *txStore) UnmarkExcellent(ctx context.Context, lecture int64) error {
	res, err := t.db.ExecContext(ctx, "DELETE FROM excellent WHERE lecture_id = ?", lecture)
	if err != nil {
		return fmt.Errorf("store: unmark excellent: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "#%d 不是优秀微党课。", lecture)
	}
	return nil
}

// SetCityPick records a recommendation (which starts over any earlier
// decision) or the city's decision.
func (t *txStore) SetCityPick(ctx context.Context, p dangke.CityPick) error {
	var err error
	if p.Status == dangke.PickRecommended {
		_, err = t.db.ExecContext(ctx, `INSERT INTO city_pool (instructor_id, status, reason, recommended_by, recommended_at)
			VALUES (?, ?, '', ?, ?) ON CONFLICT (instructor_id) DO UPDATE SET status = excluded.status, reason = '',
			recommended_by = excluded.recommended_by, recommended_at = excluded.recommended_at, decided_by = '', decided_at = 0`,
			p.Instructor.ID, p.Status, p.By, millis(p.At))
	} else {
		var res sql.Result
		res, err = t.db.ExecContext(ctx, "UPDATE city_pool SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE instructor_id = ?",
			p.Status, p.Reason, p.DecidedBy, millis(p.DecidedAt), p.Instructor.ID)
		if err == nil {
			if k, _ := res.RowsAffected(); k == 0 {
				return dangke.Errorf(dangke.ENOTFOUND, "%s 尚未被推荐到市级师资库。", p.Instructor.Name)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store: city pool: %w", err)
	}
	return nil
}
