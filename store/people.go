package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// SimilarLectures returns a unit's active lectures by a speaker dated from
// from to to, through the lectures_speaker index (unit_id, speaker, day).
func (q queries) SimilarLectures(ctx context.Context, unit int64, speaker string, from, to time.Time) ([]dangke.Lecture, error) {
	rows, err := q.stmt(ctx, q.p.similar).QueryContext(ctx, unit, speaker, from.Format(dangke.DateLayout), to.Format(dangke.DateLayout))
	if err != nil {
		return nil, fmt.Errorf("store: similar lectures: %w", err)
	}
	out, err := scanLectures(rows)
	if err != nil {
		return nil, fmt.Errorf("store: similar lectures: %w", err)
	}
	return out, nil
}

// SpeakerLectures counts a speaker's active lectures in a unit, in all and
// dated from..to, from the lectures_speaker index alone.
func (q queries) SpeakerLectures(ctx context.Context, unit int64, speaker string, from, to time.Time) (total, near int, err error) {
	if p := q.fetched(ctx); p != nil {
		// PostgreSQL, a message's first reads: the namesakes come along.
		if total, near, ok := p.speakerLectures(ctx, q, unit, speaker, from, to); ok {
			return total, near, nil
		}
	}
	err = q.stmt(ctx, q.p.similarCount).QueryRowContext(ctx, from.Format(dangke.DateLayout), to.Format(dangke.DateLayout), unit, speaker).Scan(&total, &near)
	if err != nil {
		return 0, 0, fmt.Errorf("store: speaker lectures: %w", err)
	}
	return total, near, nil
}

// SameDayLecture returns an active lecture of a unit by a speaker on a day.
func (q queries) SameDayLecture(ctx context.Context, unit int64, speaker string, day time.Time) (int64, error) {
	var id int64
	err := q.row(ctx, q.p.sameDay, []any{unit, speaker, day.Format(dangke.DateLayout)}, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: same-day lecture: %w", err)
	}
	return id, nil
}

// Namesakes returns the lecturers named name in the other units of unit's
// reporting unit that are neither linked to the same person as (unit, name)
// nor recorded as someone else.
func (q queries) Namesakes(ctx context.Context, unit int64, name string) ([]dangke.SpeakerRef, error) {
	if out, ok := q.fetched(ctx).takeNamesakes(unit, name); ok {
		return out, nil
	}
	rows, err := q.stmt(ctx, q.p.namesakes).QueryContext(ctx, name, unit)
	if err != nil {
		return nil, fmt.Errorf("store: namesakes: %w", err)
	}
	defer rows.Close()
	var out []dangke.SpeakerRef
	for rows.Next() {
		var s dangke.SpeakerRef
		if err := rows.Scan(&s.UnitID, &s.UnitPath, &s.Person); err != nil {
			return nil, fmt.Errorf("store: namesakes: %w", err)
		}
		s.Name = name
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: namesakes: %w", err)
	}
	return out, nil
}

// LinkSpeakers records whether a and b are the same person. The same
// person's names share one row of people (groups merge when two are
// linked); different people are remembered in both directions.
func (t *txStore) LinkSpeakers(ctx context.Context, a, b dangke.SpeakerRef, same bool, at time.Time) error {
	if !same {
		for _, p := range [][2]dangke.SpeakerRef{{a, b}, {b, a}} {
			if _, err := t.db.ExecContext(ctx, `INSERT INTO speaker_distinct (unit_id, name, other_unit_id) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, p[0].UnitID, p[0].Name, p[1].UnitID); err != nil {
				return fmt.Errorf("store: link speakers: %w", err)
			}
		}
		return nil
	}
	pa, err := t.personOf(ctx, a)
	if err != nil {
		return err
	}
	pb, err := t.personOf(ctx, b)
	if err != nil {
		return err
	}
	person := pa
	switch {
	case pa == 0 && pb == 0:
		var top int64
		if err := t.db.NewRaw("SELECT top_id FROM units WHERE id = ?", a.UnitID).Scan(ctx, &top); err != nil {
			return fmt.Errorf("store: link speakers: %w", err)
		}
		if err := t.db.NewRaw("INSERT INTO people (top_id, created_at) VALUES (?, ?) RETURNING id", top, millis(at)).Scan(ctx, &person); err != nil {
			return fmt.Errorf("store: link speakers: %w", err)
		}
	case pa == 0:
		person = pb
	case pb != 0 && pb != pa: // two groups become one
		if _, err := t.db.ExecContext(ctx, "UPDATE speaker_people SET person_id = ? WHERE person_id = ?", pa, pb); err != nil {
			return fmt.Errorf("store: link speakers: %w", err)
		}
	}
	for _, s := range []dangke.SpeakerRef{a, b} {
		if _, err := t.db.ExecContext(ctx, `INSERT INTO speaker_people (unit_id, name, person_id) VALUES (?, ?, ?)
			ON CONFLICT (unit_id, name) DO UPDATE SET person_id = excluded.person_id`, s.UnitID, s.Name, person); err != nil {
			return fmt.Errorf("store: link speakers: %w", err)
		}
	}
	return nil
}

// personOf returns the person a lecturer is linked to, or 0.
func (t *txStore) personOf(ctx context.Context, s dangke.SpeakerRef) (int64, error) {
	var ids []int64
	if err := t.db.NewRaw("SELECT person_id FROM speaker_people WHERE unit_id = ? AND name = ?", s.UnitID, s.Name).Scan(ctx, &ids); err != nil {
		return 0, fmt.Errorf("store: person: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// linkedSQL reads the names linked to the same person as (unit, name), in
// other units (prepared: every lecture asks).
const linkedSQL = `SELECT b.unit_id, b.name, u.path, b.person_id FROM speaker_people a
	JOIN speaker_people b ON b.person_id = a.person_id JOIN units u ON u.id = b.unit_id
	WHERE a.unit_id = ? AND a.name = ? AND b.unit_id <> a.unit_id ORDER BY u.path, b.name`

// LinkedSpeakers returns the names of other units linked to the same
// person as (unit, name), with their paths: the lecturers whose lectures
// are the same person's (the duplicate check reads theirs too).
func (q queries) LinkedSpeakers(ctx context.Context, unit int64, name string) ([]dangke.SpeakerRef, error) {
	rows, err := q.stmt(ctx, q.p.linked).QueryContext(ctx, unit, name)
	if err != nil {
		return nil, fmt.Errorf("store: linked speakers: %w", err)
	}
	defer rows.Close()
	var out []dangke.SpeakerRef
	for rows.Next() {
		var s dangke.SpeakerRef
		if err := rows.Scan(&s.UnitID, &s.Name, &s.UnitPath, &s.Person); err != nil {
			return nil, fmt.Errorf("store: linked speakers: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: linked speakers: %w", err)
	}
	return out, nil
}

// SpeakerNames returns the names with active lectures in a unit, from the
// speakers table (one row per name; prepared: a name's first lecture in a
// unit asks).
func (q queries) SpeakerNames(ctx context.Context, unit int64) ([]string, error) {
	rows, err := q.stmt(ctx, q.p.speakerNames).QueryContext(ctx, unit)
	if err != nil {
		return nil, fmt.Errorf("store: speaker names: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: speaker names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: speaker names: %w", err)
	}
	return names, nil
}

// UnlinkSpeaker takes (unit, name) out of its person; a person left with
// one name is no link at all and goes too. With distinct the names it was
// linked with are remembered as other people, in both directions; without,
// the name's earlier "not the same person" answers are forgotten as well,
// so that its next lecture asks again.
func (t *txStore) UnlinkSpeaker(ctx context.Context, s dangke.SpeakerRef, distinct bool) ([]dangke.SpeakerRef, error) {
	others, err := t.LinkedSpeakers(ctx, s.UnitID, s.Name)
	if err != nil {
		return nil, err
	}
	type step struct {
		query string
		args  []any
	}
	steps := []step{{"DELETE FROM speaker_people WHERE unit_id = ? AND name = ?", []any{s.UnitID, s.Name}}}
	if len(others) > 0 {
		steps = append(steps, step{`DELETE FROM speaker_people WHERE person_id = ?
			AND (SELECT count(*) FROM speaker_people WHERE person_id = ?) = 1`, []any{others[0].Person, others[0].Person}})
	}
	if !distinct {
		steps = append(steps, step{"DELETE FROM speaker_distinct WHERE name = ? AND (unit_id = ? OR other_unit_id = ?)",
			[]any{s.Name, s.UnitID, s.UnitID}})
	}
	for _, st := range steps {
		if _, err := t.db.NewRaw(st.query, st.args...).Exec(ctx); err != nil {
			return nil, fmt.Errorf("store: unlink speaker: %w", err)
		}
	}
	if distinct {
		for _, o := range others {
			if err := t.LinkSpeakers(ctx, s, o, false, time.Time{}); err != nil {
				return nil, err
			}
		}
	}
	return others, nil
}

// InstructorsNamed returns the active lecturers of a pool with a name,
// through instructors_name.
func (q queries) InstructorsNamed(ctx context.Context, county int64, name string) ([]dangke.Instructor, error) {
	var rows []instructorRow
	err := q.db.NewRaw("SELECT "+instructorCols+" FROM instructors i WHERE i.pool_id = ? AND i.name = ? AND "+liveInstructor("i")+" ORDER BY i.id",
		county, name).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: instructors named: %w", err)
	}
	out := make([]dangke.Instructor, len(rows))
	for i := range rows {
		out[i] = rows[i].instructor()
	}
	return out, nil
}
