package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// Contest returns a contest by id, or the newest for id 0.
func (q queries) Contest(ctx context.Context, id int64) (*dangke.Contest, error) {
	var row struct {
		ID        int64         `bun:"id"`
		Name      string        `bun:"name"`
		UnitID    sql.NullInt64 `bun:"unit_id"`
		CreatedAt int64         `bun:"created_at"`
	}
	query, args := "SELECT id, name, unit_id, created_at FROM contests WHERE id = ?", []any{id}
	if id == 0 {
		query, args = "SELECT id, name, unit_id, created_at FROM contests ORDER BY id DESC LIMIT 1", nil
	}
	err := q.db.NewRaw(query, args...).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		if id == 0 {
			return nil, dangke.Errorf(dangke.ENOTFOUND, "还没有比赛；管理员可用 /比赛 新建 名称 建立。")
		}
		return nil, dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的比赛。", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: contest: %w", err)
	}
	return &dangke.Contest{ID: row.ID, Name: row.Name, UnitID: row.UnitID.Int64, CreatedAt: fromMillis(row.CreatedAt)}, nil
}

// Contestants returns a contest's entries in draw order.
func (q queries) Contestants(ctx context.Context, contest int64) ([]dangke.Contestant, error) {
	var rows []struct {
		ID         int64  `bun:"id"`
		Draw       int    `bun:"draw"`
		Name       string `bun:"name"`
		UnitID     int64  `bun:"unit_id"`
		Path       string `bun:"path"`
		TopID      int64  `bun:"top_id"`
		Title      string `bun:"title"`
		Membership string `bun:"membership"`
		PPT        bool   `bun:"ppt"`
		LengthMS   int64  `bun:"length_ms"`
		Closed     bool   `bun:"closed"`
	}
	err := q.db.NewRaw(`SELECT c.id, c.draw, c.name, c.unit_id, u.path, c.top_id, c.title, c.membership, c.ppt, c.length_ms, c.closed
		FROM contestants c JOIN units u ON u.id = c.unit_id WHERE c.contest_id = ? ORDER BY c.draw`, contest).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: contestants: %w", err)
	}
	out := make([]dangke.Contestant, len(rows))
	for i, r := range rows {
		out[i] = dangke.Contestant{ID: r.ID, ContestID: contest, Draw: r.Draw, Name: r.Name, UnitID: r.UnitID, UnitPath: r.Path,
			TopID: r.TopID, Title: r.Title, Membership: r.Membership, PPT: r.PPT,
			Length: time.Duration(r.LengthMS) * time.Millisecond, Closed: r.Closed}
	}
	return out, nil
}

// Judges returns a contest's judges.
func (q queries) Judges(ctx context.Context, contest int64) ([]dangke.Judge, error) {
	var rows []struct {
		Person  string `bun:"person"`
		Name    string `bun:"name"`
		Removed bool   `bun:"removed"`
	}
	if err := q.db.NewRaw("SELECT person, name, removed FROM judges WHERE contest_id = ? ORDER BY rowid", contest).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: judges: %w", err)
	}
	out := make([]dangke.Judge, len(rows))
	for i, r := range rows {
		out[i] = dangke.Judge{ContestID: contest, Person: r.Person, Name: r.Name, Removed: r.Removed}
	}
	return out, nil
}

// Scores returns every score of a contest.
func (q queries) Scores(ctx context.Context, contest int64) ([]dangke.Score, error) {
	var rows []struct {
		ContestantID int64  `bun:"contestant_id"`
		Judge        string `bun:"judge"`
		Criterion    int    `bun:"criterion"`
		Points       int    `bun:"points"`
	}
	err := q.db.NewRaw(`SELECT s.contestant_id, s.judge, s.criterion, s.points FROM scores s
		JOIN contestants c ON c.id = s.contestant_id WHERE c.contest_id = ?
		ORDER BY s.contestant_id, s.judge, s.criterion`, contest).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: scores: %w", err)
	}
	var out []dangke.Score
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].ContestantID != r.ContestantID || out[n-1].Judge != r.Judge {
			out = append(out, dangke.Score{ContestantID: r.ContestantID, Judge: r.Judge})
		}
		s := &out[len(out)-1]
		for len(s.Points) <= r.Criterion {
			s.Points = append(s.Points, 0)
		}
		s.Points[r.Criterion] = dangke.Points(r.Points)
	}
	return out, nil
}

// Ruling returns the committee's order among tied contestants.
func (q queries) Ruling(ctx context.Context, contest int64) (map[int64]int, error) {
	var rows []struct {
		ContestantID int64 `bun:"contestant_id"`
		Position     int   `bun:"position"`
	}
	if err := q.db.NewRaw("SELECT contestant_id, position FROM rulings WHERE contest_id = ?", contest).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: ruling: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ContestantID] = r.Position
	}
	return out, nil
}

// AddContest creates a contest.
func (t *txStore) AddContest(ctx context.Context, c *dangke.Contest) error {
	var unit any
	if c.UnitID != 0 {
		unit = c.UnitID
	}
	if err := t.db.NewRaw("INSERT INTO contests (name, unit_id, created_at) VALUES (?, ?, ?) RETURNING id",
		c.Name, unit, millis(c.CreatedAt)).Scan(ctx, &c.ID); err != nil {
		return fmt.Errorf("store: add contest: %w", err)
	}
	return nil
}

// AddContestant enters a contestant with the next draw number.
func (t *txStore) AddContestant(ctx context.Context, c *dangke.Contestant) error {
	err := t.db.NewRaw(`INSERT INTO contestants (contest_id, draw, name, unit_id, top_id, title, membership, ppt, created_at)
		VALUES (?, (SELECT coalesce(max(draw), 0) + 1 FROM contestants WHERE contest_id = ?), ?, ?, ?, ?, ?, ?, ?)
		RETURNING id, draw`, c.ContestID, c.ContestID, c.Name, c.UnitID, c.TopID, c.Title, c.Membership, c.PPT,
		millis(time.Now())).Scan(ctx, &c.ID, &c.Draw)
	if err != nil {
		return fmt.Errorf("store: add contestant: %w", err)
	}
	return nil
}

// AddJudge names a judge, or brings back one removed before.
func (t *txStore) AddJudge(ctx context.Context, j dangke.Judge) error {
	res, err := t.db.ExecContext(ctx, `INSERT INTO judges (contest_id, person, name) VALUES (?, ?, ?)
		ON CONFLICT (contest_id, person) DO UPDATE SET name = excluded.name, removed = 0 WHERE judges.removed = 1`,
		j.ContestID, j.Person, j.Name)
	if err != nil {
		return fmt.Errorf("store: add judge: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ECONFLICT, "%s 已经是本场比赛的评委。", j.Person)
	}
	return nil
}

// RemoveJudge takes a judge off the panel, dropping their scores of the
// contestants not yet closed.
func (t *txStore) RemoveJudge(ctx context.Context, contest int64, person string) error {
	res, err := t.db.ExecContext(ctx, "UPDATE judges SET removed = 1 WHERE contest_id = ? AND person = ? AND removed = 0", contest, person)
	if err != nil {
		return fmt.Errorf("store: remove judge: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "%s 不是本场比赛的评委。", person)
	}
	if _, err := t.db.ExecContext(ctx, `DELETE FROM scores WHERE judge = ? AND contestant_id IN
		(SELECT id FROM contestants WHERE contest_id = ? AND closed = 0)`, person, contest); err != nil {
		return fmt.Errorf("store: remove judge: %w", err)
	}
	return nil
}

// SetScore records or corrects a judge's scores.
func (t *txStore) SetScore(ctx context.Context, s dangke.Score, at time.Time) error {
	for i, p := range s.Points {
		_, err := t.db.ExecContext(ctx, `INSERT INTO scores (contestant_id, judge, criterion, points, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (contestant_id, judge, criterion) DO UPDATE SET points = excluded.points, at = excluded.at`,
			s.ContestantID, s.Judge, i, int(p), millis(at))
		if err != nil {
			return fmt.Errorf("store: set score: %w", err)
		}
	}
	return nil
}

// SetLength records a contestant's measured lecture length.
func (t *txStore) SetLength(ctx context.Context, contestant int64, d time.Duration) error {
	if _, err := t.db.ExecContext(ctx, "UPDATE contestants SET length_ms = ? WHERE id = ?", d.Milliseconds(), contestant); err != nil {
		return fmt.Errorf("store: set length: %w", err)
	}
	return nil
}

// CloseContestant ends the scoring of a contestant.
func (t *txStore) CloseContestant(ctx context.Context, contestant int64) error {
	if _, err := t.db.ExecContext(ctx, "UPDATE contestants SET closed = 1 WHERE id = ?", contestant); err != nil {
		return fmt.Errorf("store: close contestant: %w", err)
	}
	return nil
}

// SetRuling records the committee's order of tied contestants.
func (t *txStore) SetRuling(ctx context.Context, contest int64, order []int64) error {
	for i, id := range order {
		_, err := t.db.ExecContext(ctx, `INSERT INTO rulings (contest_id, contestant_id, position) VALUES (?, ?, ?)
			ON CONFLICT (contest_id, contestant_id) DO UPDATE SET position = excluded.position`, contest, id, i+1)
		if err != nil {
			return fmt.Errorf("store: ruling: %w", err)
		}
	}
	return nil
}
