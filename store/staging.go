package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// stageRows is how many lecturers one staging statement inserts: one
// statement a row would cost more in binding and stepping than the row.
const stageRows = 64

// stageSQL inserts n staged lecturers.
func stageSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO instructor_staging (import_id, seq, pool_id, unit_id, name, gender, birth_y, birth_m,
		workplace, position, phone, author, chat, created_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// StageInstructors keeps checked lecturers of an import, read by nothing
// until PublishInstructors.
func (t *txStore) StageInstructors(ctx context.Context, batch int64, seq int, list []*dangke.Instructor) error {
	args := make([]any, 0, 14*stageRows)
	for len(list) > 0 {
		chunk := list[:min(len(list), stageRows)]
		args = args[:0]
		for _, i := range chunk {
			args = append(args, batch, seq, i.PoolID, i.UnitID, i.Name, i.Gender, i.BirthY, i.BirthM,
				i.Workplace, i.Position, i.Phone, i.Author, i.Chat, millis(i.CreatedAt))
			seq++
		}
		var err error
		if len(chunk) == stageRows {
			_, err = t.stmt(ctx, t.p.stageInstructors).ExecContext(ctx, args...)
		} else {
			q := stageSQL(len(chunk))
			if t.pg {
				q = rebind(q)
			}
			_, err = t.tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("store: stage instructors: %w", err)
		}
		list = list[len(chunk):]
	}
	return nil
}

// clashing selects the staged rows of a batch whose phone number a pool
// has taken since: the partial unique index answers each.
const clashing = `EXISTS (SELECT 1 FROM instructors i WHERE i.pool_id = s.pool_id AND i.phone = s.phone AND i.removed_at IS NULL)`

// PublishInstructors puts a staged import into its pools: one INSERT …
// SELECT, their ids following the largest id in the staged order.
func (t *txStore) PublishInstructors(ctx context.Context, batch int64) (int64, int, []dangke.Instructor, error) {
	// The clashes leave the batch first, so the copies below read the
	// staging table alone (no probe a row, no temporary copy of the rows).
	rows, err := t.db.QueryContext(ctx, `DELETE FROM instructor_staging AS s WHERE import_id = ? AND `+clashing+`
		RETURNING pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone`, batch)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	var clashes []dangke.Instructor
	for rows.Next() {
		var i dangke.Instructor
		if err := rows.Scan(&i.PoolID, &i.UnitID, &i.Name, &i.Gender, &i.BirthY, &i.BirthM, &i.Workplace, &i.Position, &i.Phone); err != nil {
			_ = rows.Close()
			return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
		}
		clashes = append(clashes, i)
	}
	if err := rows.Close(); err != nil {
		return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	var base int64
	if err := t.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM instructors").Scan(&base); err != nil {
		return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	res, err := t.db.ExecContext(ctx, `INSERT INTO instructors (id, pool_id, unit_id, name, gender, birth_y, birth_m, workplace,
		position, phone, author, chat, created_at)
		SELECT ? + seq, pool_id, unit_id, name, gender, birth_y, birth_m, workplace, position, phone, author, chat, created_at
		FROM instructor_staging WHERE import_id = ? ORDER BY seq`, base, batch)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
	}
	added, _ := res.RowsAffected()
	if t.pg { // the ids were given: the identity column's sequence moves past them
		if _, err := t.db.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('instructors', 'id'), (SELECT max(id) FROM instructors))"); err != nil {
			return 0, 0, nil, fmt.Errorf("store: publish instructors: %w", err)
		}
	}
	return base, int(added), clashes, nil
}

// DiscardStaged deletes up to limit staged rows of a batch, the lowest
// seq first (a range of the primary key), and then those of batches
// (UnixNano ids) staged over a day before it.
func (t *txStore) DiscardStaged(ctx context.Context, batch int64, limit int) (int, error) {
	res, err := t.db.ExecContext(ctx, `DELETE FROM instructor_staging WHERE import_id = ?
		AND seq <= coalesce((SELECT min(seq) FROM instructor_staging WHERE import_id = ?), 0) + ? - 1`, batch, batch, limit)
	if err != nil {
		return 0, fmt.Errorf("store: discard staged: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		return int(n), nil
	}
	res, err = t.db.ExecContext(ctx, `DELETE FROM instructor_staging WHERE (import_id, seq) IN
		(SELECT import_id, seq FROM instructor_staging WHERE import_id < ? LIMIT ?)`, batch-int64(24*time.Hour), limit)
	if err != nil {
		return 0, fmt.Errorf("store: discard staged: %w", err)
	}
	n, _ = res.RowsAffected()
	return int(n), nil
}
