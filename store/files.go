package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"dangke"
)

// The attachments of lectures: rows here, content in the media store.

const fileCols = `a.id, a.lecture_id, a.sha256, a.ext, a.mime, a.kind, a.size, a.name, a.author, a.chat, a.created_at`

func scanFiles(rows *sql.Rows) ([]dangke.LectureFile, error) {
	defer rows.Close()
	var out []dangke.LectureFile
	for rows.Next() {
		var f dangke.LectureFile
		var at int64
		dest := []any{&f.ID, &f.LectureID, &f.SHA256, &f.Ext, &f.MIME, &f.Kind, &f.Size, &f.Name, &f.Author, &f.Chat, &at}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMillis(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Files returns a lecture's active attachments, oldest first.
func (q queries) Files(ctx context.Context, lecture int64) ([]dangke.LectureFile, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+fileCols+" FROM attachments a WHERE a.lecture_id = ? AND a.removed_at IS NULL ORDER BY a.id", lecture)
	if err != nil {
		return nil, fmt.Errorf("store: files: %w", err)
	}
	out, err := scanFiles(rows)
	if err != nil {
		return nil, fmt.Errorf("store: files: %w", err)
	}
	return out, nil
}

// FilesIn returns the active attachments of a subtree's active lectures in
// a period, by lecture and then by id.
func (q queries) FilesIn(ctx context.Context, unit int64, p dangke.Period) ([]dangke.LectureFile, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	if !p.IsZero() {
		where += " AND l.day >= ? AND l.day <= ?"
		args = append(args, dayRange(p)...)
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+fileCols+` FROM attachments a JOIN lectures l ON l.id = a.lecture_id JOIN units u ON u.id = l.unit_id
		WHERE a.removed_at IS NULL AND l.withdrawn_at IS NULL AND `+where+" ORDER BY a.lecture_id, a.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: files in: %w", err)
	}
	out, err := scanFiles(rows)
	if err != nil {
		return nil, fmt.Errorf("store: files in: %w", err)
	}
	return out, nil
}

// UnitImages returns up to limit images of a subtree's lectures, newest
// lecture first, one per lecture before a second of any, so that a report's
// few photos show as many lectures as they can.
func (q queries) UnitImages(ctx context.Context, unit int64, p dangke.Period, limit int) ([]dangke.LectureImage, error) {
	where, args, err := q.unitFilter(ctx, unit)
	if err != nil {
		return nil, err
	}
	if !p.IsZero() {
		where += " AND l.day >= ? AND l.day <= ?"
		args = append(args, dayRange(p)...)
	}
	if limit <= 0 {
		limit = 6
	}
	args = append(args, limit)
	rows, err := q.db.QueryContext(ctx, "SELECT "+fileCols+`, l.day, l.speaker, l.title FROM (
			SELECT a.*, row_number() OVER (PARTITION BY a.lecture_id ORDER BY a.id) AS nth
			FROM attachments a WHERE a.kind = 'image' AND a.removed_at IS NULL) a
		JOIN lectures l ON l.id = a.lecture_id JOIN units u ON u.id = l.unit_id
		WHERE l.withdrawn_at IS NULL AND `+where+" ORDER BY a.nth, l.day DESC, l.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("store: unit images: %w", err)
	}
	defer rows.Close()
	var out []dangke.LectureImage
	for rows.Next() {
		var f dangke.LectureFile
		var at int64
		var day, speaker, title string
		if err := rows.Scan(&f.ID, &f.LectureID, &f.SHA256, &f.Ext, &f.MIME, &f.Kind, &f.Size, &f.Name, &f.Author, &f.Chat, &at,
			&day, &speaker, &title); err != nil {
			return nil, fmt.Errorf("store: unit images: %w", err)
		}
		f.CreatedAt = fromMillis(at)
		out = append(out, dangke.LectureImage{File: f, Caption: day + " " + speaker + "《" + title + "》"})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unit images: %w", err)
	}
	return out, nil
}

// RecentLecture returns the newest active lecture author logged in chat
// since a time, or 0.
func (q queries) RecentLecture(ctx context.Context, author, chat string, since time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `SELECT id FROM lectures WHERE author = ? AND chat = ? AND created_at >= ? AND withdrawn_at IS NULL
		ORDER BY id DESC LIMIT 1`, author, chat, millis(since)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: recent lecture: %w", err)
	}
	return id, nil
}

// AddFile records an attachment; it fills ID.
func (t *txStore) AddFile(ctx context.Context, f *dangke.LectureFile) error {
	res, err := t.db.ExecContext(ctx, `INSERT INTO attachments (lecture_id, sha256, ext, mime, kind, size, name, author, chat, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.LectureID, f.SHA256, f.Ext, f.MIME, f.Kind, f.Size, f.Name, f.Author, f.Chat, millis(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: add file: %w", err)
	}
	f.ID, _ = res.LastInsertId()
	return nil
}

// RemoveFile marks an attachment removed.
func (t *txStore) RemoveFile(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := t.db.ExecContext(ctx, "UPDATE attachments SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL", millis(at), by, id)
	if err != nil {
		return fmt.Errorf("store: remove file: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的附件（或已撤销）。", id)
	}
	return nil
}

// File finds an active attachment.
func (q queries) File(ctx context.Context, id int64) (*dangke.LectureFile, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+fileCols+" FROM attachments a WHERE a.id = ? AND a.removed_at IS NULL", id)
	if err != nil {
		return nil, fmt.Errorf("store: file: %w", err)
	}
	out, err := scanFiles(rows)
	if err != nil {
		return nil, fmt.Errorf("store: file: %w", err)
	}
	if len(out) == 0 {
		return nil, dangke.Errorf(dangke.ENOTFOUND, "没有编号为 %d 的附件（或已撤销）。", id)
	}
	return &out[0], nil
}

// PurgeFiles deletes the rows of attachments removed (by /撤销) before
// before, and of those whose lecture was withdrawn before before, with an
// audit row; their content goes when the media store is swept. It reports
// how many rows it deleted.
func (s *Store) PurgeFiles(ctx context.Context, before time.Time, actor string) (int, error) {
	var n int64
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		res, err := t.db.ExecContext(ctx, `DELETE FROM attachments WHERE removed_at < ?
			OR lecture_id IN (SELECT id FROM lectures WHERE withdrawn_at < ?)`, millis(before), millis(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return tx.Audit(ctx, dangke.AuditEntry{Actor: actor, Chat: "cli", At: time.Now(), Action: "purge", Entity: "attachments",
			Detail: fmt.Sprintf("删除 %s 之前撤销或所属党课已删除的 %d 个附件记录", before.Format(dangke.DateLayout), n)})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge files: %w", err)
	}
	return int(n), nil
}

// FileHashes returns the SHA-256 of every content a row names, removed
// rows too: what the media store must keep.
func (s *Store) FileHashes(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT sha256 FROM attachments")
	if err != nil {
		return nil, fmt.Errorf("store: file hashes: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: file hashes: %w", err)
		}
		out[h] = true
	}
	return out, rows.Err()
}
