package store

import (
	"context"
	"fmt"

	"dangke"
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
			`INSERT INTO speakers (unit_id, name, lectures, leader_lectures)
				SELECT unit_id, speaker, count(*), sum(leader) FROM lectures
				WHERE withdrawn_at IS NULL GROUP BY unit_id, speaker`,
			`INSERT INTO unit_totals (unit_id, lectures, speakers, leaders, attendees, satisfied, surveyed)
				SELECT l.unit_id, l.n, s.speakers, s.leaders, l.attendees, l.satisfied, l.surveyed
				FROM (SELECT unit_id, count(*) AS n, sum(attendees) AS attendees, sum(satisfied) AS satisfied,
					sum(surveyed) AS surveyed FROM lectures WHERE withdrawn_at IS NULL GROUP BY unit_id) l
				JOIN (SELECT unit_id, count(*) AS speakers, sum(leader_lectures > 0) AS leaders
					FROM speakers GROUP BY unit_id) s ON s.unit_id = l.unit_id`,
		} {
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

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while the bot keeps running. The file must not exist yet.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}
