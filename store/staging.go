package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"dangke"
)

// A lecturer pool import writes its rows into instructors under its
// import id, in many short transactions, while a row of pending_imports
// hides them from every reader (liveInstructor); publishing deletes that
// row. So a million lecturers appear at once and the last transaction is
// as short as any: before, the rows went into a staging table and one
// INSERT … SELECT moved them, holding the single writer 4.6–7.8 s for a
// million rows, near the 10 s other writers wait.
//
// A pending row is in the pools' unique index: a phone number an import
// is bringing cannot be registered from a chat meanwhile (the chat is told
// so), and one registered from a chat since the import's check is left
// out of the import and reported by it.

// liveInstructor selects the lecturers every reader sees: not removed, and
// not of an import still pending. The alias is the table's name or alias.
func liveInstructor(alias string) string {
	p := ""
	if alias != "" {
		p = alias + "."
	}
	return p + "removed_at IS NULL AND (" + p + "import_id IS NULL OR " + p + "import_id NOT IN (SELECT import_id FROM pending_imports))"
}

// stageRows is how many lecturers one staging statement inserts: one
// statement a row would cost more in binding and stepping than the row.
const stageRows = 64

// stageSQL inserts n staged lecturers, leaving out those whose phone is
// taken in their pool, and returns the others with their ids.
func stageSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO instructors (import_id, pool_id, unit_id, name, gender, birth_y, birth_m,
		workplace, position, phone, author, chat, created_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT DO NOTHING RETURNING id, pool_id, phone")
	return b.String()
}

// StageInstructors writes checked lecturers of an import, read by nothing
// until PublishInstructors. Each gets its id, or 0 when its phone number
// is taken in its pool.
func (t *txStore) StageInstructors(ctx context.Context, batch int64, list []*dangke.Instructor) error {
	if len(list) == 0 {
		return nil
	}
	// The import is pending from its first rows on, in their transaction.
	if _, err := t.db.ExecContext(ctx, `INSERT INTO pending_imports (import_id, first_id, started_at)
		VALUES (?, (SELECT coalesce(max(id), 0) FROM instructors), ?) ON CONFLICT DO NOTHING`, batch, millis(time.Now())); err != nil {
		return fmt.Errorf("store: stage instructors: %w", err)
	}
	args := make([]any, 0, 13*stageRows)
	for len(list) > 0 {
		chunk := list[:min(len(list), stageRows)]
		args = args[:0]
		for _, i := range chunk {
			i.ID = 0
			args = append(args, batch, i.PoolID, i.UnitID, i.Name, i.Gender, i.BirthY, i.BirthM,
				i.Workplace, i.Position, i.Phone, i.Author, i.Chat, millis(i.CreatedAt))
		}
		if err := t.stageChunk(ctx, chunk, args); err != nil {
			return fmt.Errorf("store: stage instructors: %w", err)
		}
		list = list[len(chunk):]
	}
	return nil
}

func (t *txStore) stageChunk(ctx context.Context, chunk []*dangke.Instructor, args []any) error {
	var q string
	if len(chunk) != stageRows {
		q = stageSQL(len(chunk))
		if t.pg {
			q = rebind(q)
		}
	}
	rows, err := t.queryStmt(ctx, t.p.stageInstructors, q, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	j := 0 // the rows come back in the order given, but are not relied on to
	for rows.Next() {
		var id, pool int64
		var phone string
		if err := rows.Scan(&id, &pool, &phone); err != nil {
			return err
		}
		for k := range chunk {
			c := chunk[(j+k)%len(chunk)]
			if c.PoolID == pool && c.Phone == phone && c.ID == 0 {
				c.ID, j = id, (j+k+1)%len(chunk)
				break
			}
		}
	}
	return rows.Err()
}

// PublishInstructors makes every lecturer staged under batch part of its
// pool: one row deleted.
func (t *txStore) PublishInstructors(ctx context.Context, batch int64) error {
	res, err := t.db.ExecContext(ctx, "DELETE FROM pending_imports WHERE import_id = ?", batch)
	if err != nil {
		return fmt.Errorf("store: publish instructors: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: publish instructors: import %d is not pending", batch)
	}
	return nil
}

// DiscardStaged deletes up to limit lecturers staged under batch, the
// lowest ids first, or when batch has none left, those of imports pending
// for over a day (stopped half-way); an import with no rows left stops
// being pending.
func (t *txStore) DiscardStaged(ctx context.Context, batch int64, limit int) (int, error) {
	type pending struct {
		ID    int64 `bun:"import_id"`
		First int64 `bun:"first_id"`
	}
	var list []pending
	if err := t.db.NewRaw("SELECT import_id, first_id FROM pending_imports WHERE import_id = ? OR started_at < ? ORDER BY import_id",
		batch, millis(time.Now().Add(-24*time.Hour))).Scan(ctx, &list); err != nil {
		return 0, fmt.Errorf("store: discard staged: %w", err)
	}
	for _, p := range list {
		res, err := t.db.ExecContext(ctx, `DELETE FROM instructors WHERE id IN
			(SELECT id FROM instructors WHERE id > ? AND import_id = ? ORDER BY id LIMIT ?)`, p.First, p.ID, limit)
		if err != nil {
			return 0, fmt.Errorf("store: discard staged: %w", err)
		}
		n, _ := res.RowsAffected()
		if int(n) < limit {
			if _, err := t.db.ExecContext(ctx, "DELETE FROM pending_imports WHERE import_id = ?", p.ID); err != nil {
				return 0, fmt.Errorf("store: discard staged: %w", err)
			}
		}
		if n > 0 {
			return int(n), nil
		}
	}
	return 0, nil
}

// queryStmt runs the prepared statement s, or q when it is not empty.
func (t *txStore) queryStmt(ctx context.Context, s *sql.Stmt, q string, args []any) (*sql.Rows, error) {
	if q == "" {
		return t.stmt(ctx, s).QueryContext(ctx, args...)
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.tx.QueryContext(ctx, q, args...)
}
