package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"dangke"
	"dangke/atomicfile"
)

// RebuildTotals recomputes the speaker and running-total tables from the
// lectures themselves, in one transaction. The running totals are kept with
// every change, so this is for repair and for bulk loads that write
// lectures directly.
func (s *Store) RebuildTotals(ctx context.Context) error {
	err := s.Update(ctx, func(tx dangke.Tx) error {
		db := tx.(*txStore).db
		for _, q := range []string{
			"DELETE FROM speakers",
			"DELETE FROM unit_totals",
			"DELETE FROM week_speakers",
			"DELETE FROM unit_weeks",
			"DELETE FROM show_totals",
			"DELETE FROM show_weeks",
			"INSERT INTO show_totals (unit_id, " + showCols + ") " + showTotalsCounted,
			"INSERT INTO show_weeks (unit_id, week, " + showCols + ") " + showWeeksCounted,
			speakersFrom + "WHERE withdrawn_at IS NULL GROUP BY unit_id, speaker",
			`INSERT INTO unit_totals (unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
				SELECT l.unit_id, l.n, s.speakers, s.leaders, l.attendees, l.satisfied, l.surveyed
				FROM (SELECT unit_id, count(*) AS n, sum(attendees) AS attendees, sum(satisfied) AS satisfied,
					sum(surveyed) AS surveyed FROM lectures WHERE withdrawn_at IS NULL GROUP BY unit_id) l
				JOIN (SELECT unit_id, count(*) AS speakers, sum(CASE WHEN leader_lectures > 0 THEN 1 ELSE 0 END) AS leaders
					FROM speakers GROUP BY unit_id) s ON s.unit_id = l.unit_id`,
			weekSpeakersFrom + "WHERE withdrawn_at IS NULL GROUP BY 1, 2, 3",
			fmt.Sprintf(unitWeeksFrom, "", ""),
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range rebuildTree {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: rebuild totals: %w", err)
	}
	return nil
}

// speakersFrom counts each lecturer's lectures, first and latest day and
// attendance from the lectures (a WHERE clause and GROUP BY unit_id,
// speaker follow).
const speakersFrom = `INSERT INTO speakers (unit_id, name, lectures, leader_lectures, first_day, last_day, attendees, satisfied, surveyed)
	SELECT unit_id, speaker, count(*), sum(leader), min(day), max(day), sum(attendees), sum(satisfied), sum(surveyed) FROM lectures `

// weekSpeakersFrom counts lecturers per unit and week from the lectures
// (a WHERE clause follows); a week is named by its Monday.
const weekSpeakersFrom = `INSERT INTO week_speakers (unit_id, week, name, lectures, leader_lectures)
	SELECT unit_id, date(day, 'weekday 0', '-6 days'), speaker, count(*), sum(leader) FROM lectures `

// unitWeeksFrom sums the lectures per unit and week, and the lecturers from
// week_speakers, both restricted by the two %s (AND … on lectures, then on
// week_speakers).
const unitWeeksFrom = `INSERT INTO unit_weeks (week, unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
	SELECT l.week, l.unit_id, l.n, s.speakers, s.leaders, l.attendees, l.satisfied, l.surveyed
	FROM (SELECT date(day, 'weekday 0', '-6 days') AS week, unit_id, count(*) AS n, sum(attendees) AS attendees,
		sum(satisfied) AS satisfied, sum(surveyed) AS surveyed FROM lectures WHERE withdrawn_at IS NULL %s GROUP BY 1, 2) l
	JOIN (SELECT week, unit_id, count(*) AS speakers, sum(CASE WHEN leader_lectures > 0 THEN 1 ELSE 0 END) AS leaders
		FROM week_speakers WHERE 1 = 1 %s GROUP BY week, unit_id) s ON s.week = l.week AND s.unit_id = l.unit_id`

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while the bot keeps running. The file must not exist yet. The copy is
// made in a private temporary file beside path and linked into place when
// complete, so an interrupted backup leaves no partial file under path.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.pg {
		return errors.New("store: backup: 数据库在 PostgreSQL 上，请用 pg_dump 备份（见 docs/postgres.md）")
	}
	err := atomicfile.WriteWith(path, false, func(tmp *os.File) error {
		// VACUUM INTO accepts an existing empty file: the private one just made.
		_, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmp.Name())
		return err
	})
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("store: backup: %s 已存在，备份不会覆盖它；换一个文件名，例如 --out dangke-$(date +%%F).db", path)
		}
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}
