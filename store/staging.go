package store

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// StageInstructor keeps a checked lecturer of an import, read by nothing
// until PublishInstructors.
func (t *txStore) StageInstructor(ctx context.Context, batch int64, seq int, i *dangke.Instructor, detail string) error {
	_, err := t.stmt(ctx, t.p.stageInstructor).ExecContext(ctx, batch, seq, i.PoolID, i.UnitID, i.Name, i.Gender, i.BirthY, i.BirthM,
		i.Workplace, i.Position, i.Phone, i.Author, i.Chat, millis(i.CreatedAt), detail)
	if err != nil {
		return fmt.Errorf("store: stage instructor: %w", err)
	}
	return nil
}

// clashing selects the staged rows of a batch whose phone number a pool
// has taken since: the partial unique index answers each.
const clashing = `EXISTS (SELECT 1 FROM instructors i WHERE i.pool_id = s.pool_id AND i.phone = s.phone AND i.removed_at IS NULL)`

// PublishInstructors puts a staged import into its pools: one INSERT …
// SELECT for the audit and one for the lecturers, their ids following the
// largest id in the staged order, so that the audit names each lecturer.
func (t *txStore) PublishInstructors(ctx context.Context, batch int64, e dangke.AuditEntry) (int, []dangke.Instructor, error) {
	// The clashes leave the batch first, so the copies below read the
	// staging table alone (no probe a row, no temporary copy of the rows).
	rows, err := t.db.QueryContext(ctx, `DELETE FROM instructor_staging AS s WHERE import_id = ? AND `+clashing+`
		RETURNING pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone`, batch)
	if err != nil {
		return 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	var clashes []dangke.Instructor
	for rows.Next() {
		var i dangke.Instructor
		if err := rows.Scan(&i.PoolID, &i.UnitID, &i.Name, &i.Gender, &i.BirthY, &i.BirthM, &i.Workplace, &i.Position, &i.Phone); err != nil {
			_ = rows.Close()
			return 0, nil, fmt.Errorf("store: publish instructors: %w", err)
		}
		clashes = append(clashes, i)
	}
	if err := rows.Close(); err != nil {
		return 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	var base int64
	if err := t.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM instructors").Scan(&base); err != nil {
		return 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	if _, err := t.db.ExecContext(ctx, `INSERT INTO audit (at, actor, chat, action, entity, entity_id, detail)
		SELECT ?, ?, ?, ?, ?, ? + seq, detail FROM instructor_staging WHERE import_id = ? ORDER BY seq`,
		millis(e.At), e.Actor, e.Chat, e.Action, e.Entity, base, batch); err != nil {
		return 0, nil, fmt.Errorf("store: publish instructors: audit: %w", err)
	}
	res, err := t.db.ExecContext(ctx, `INSERT INTO instructors (id, pool_id, unit_id, name, gender, birth_y, birth_m, workplace,
		position, phone, author, chat, created_at)
		SELECT ? + seq, pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone, author, chat, created_at
		FROM instructor_staging WHERE import_id = ? ORDER BY seq`, base, batch)
	if err != nil {
		return 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	added, _ := res.RowsAffected()
	return int(added), clashes, nil
}

// DiscardStaged deletes up to limit staged rows of a batch and of batches
// (UnixNano ids) staged over a day before it.
func (t *txStore) DiscardStaged(ctx context.Context, batch int64, limit int) (int, error) {
	res, err := t.db.ExecContext(ctx, `DELETE FROM instructor_staging WHERE (import_id, seq) IN
		(SELECT import_id, seq FROM instructor_staging WHERE import_id = ? OR import_id < ? LIMIT ?)`,
		batch, batch-int64(24*time.Hour), limit)
	if err != nil {
		return 0, fmt.Errorf("store: discard staged: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
