package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// Secret returns the setting key, storing gen()'s value first when it has
// none: a value made once and kept, such as the dashboard's link secret.
func (s *Store) Secret(ctx context.Context, key string, gen func() (string, error), at time.Time) (string, error) {
	var v string
	err := s.queries.db.NewRaw("SELECT value FROM settings WHERE key = ?", key).Scan(ctx, &v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	nv, err := gen()
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	err = s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		// A second process making one at the same moment: the first one stays.
		if _, err := t.db.NewRaw("INSERT INTO settings (key, value, at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", key, nv, millis(at)).Exec(ctx); err != nil {
			return err
		}
		return t.db.NewRaw("SELECT value FROM settings WHERE key = ?", key).Scan(ctx, &v)
	})
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, nil
}

// RevokeLinks voids every dashboard link given to a chat up to at, with an
// audit row.
func (s *Store) RevokeLinks(ctx context.Context, chat dangke.ChatRef, by string, at time.Time) error {
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		_, err := t.db.NewRaw(`INSERT INTO link_revocations (platform, chat_id, before, by) VALUES (?, ?, ?, ?)
			ON CONFLICT (platform, chat_id) DO UPDATE SET before = excluded.before, by = excluded.by`,
			chat.Platform, chat.ID, millis(at), by).Exec(ctx)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, dangke.AuditEntry{Actor: by, Chat: chat.Key(), At: at, Action: "links.revoke", Entity: "chat", Detail: "看板链接作废"})
	})
	if err != nil {
		return fmt.Errorf("store: revoke links: %w", err)
	}
	return nil
}

// LinksRevoked returns the time before which a chat's dashboard links are
// void, zero when none were revoked.
func (s *Store) LinksRevoked(ctx context.Context, chat dangke.ChatRef) (time.Time, error) {
	var ms int64
	err := s.queries.db.NewRaw("SELECT before FROM link_revocations WHERE platform = ? AND chat_id = ?", chat.Platform, chat.ID).Scan(ctx, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: links revoked: %w", err)
	}
	return fromMillis(ms), nil
}

// CheckWrite proves the database takes a write: it records the time of the
// check in settings, through the store's one writer.
func (s *Store) CheckWrite(ctx context.Context, at time.Time) error {
	err := s.Update(ctx, func(tx dangke.Tx) error {
		_, err := tx.(*txStore).db.NewRaw(`INSERT INTO settings (key, value, at) VALUES ('health.write', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, at = excluded.at`, at.UTC().Format(time.RFC3339), millis(at)).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: write check: %w", err)
	}
	return nil
}

// LastDigests summarises the newest week the digests record holds.
func (s *Store) LastDigests(ctx context.Context) (dangke.DigestRun, error) {
	var r dangke.DigestRun
	var at sql.NullInt64
	// The digests are outbox rows keyed digest:WEEK; before they were, the
	// digests table kept them, and its newest week counts while the outbox
	// holds none.
	err := s.queries.db.NewRaw(`SELECT substr(msg_id, 8), MAX(at), SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END),
		SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END)
		FROM messages WHERE kind = 'digest' AND msg_id = (SELECT MAX(msg_id) FROM messages WHERE kind = 'digest') GROUP BY msg_id`).
		Scan(ctx, &r.Week, &at, &r.Sent, &r.Failed, &r.Sending)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.queries.db.NewRaw(`SELECT week, MAX(at), SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'sending' THEN 1 ELSE 0 END)
		FROM digests WHERE week = (SELECT MAX(week) FROM digests) GROUP BY week`).Scan(ctx, &r.Week, &at, &r.Sent, &r.Failed, &r.Sending)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return dangke.DigestRun{}, nil
	}
	if err != nil {
		return r, fmt.Errorf("store: last digests: %w", err)
	}
	if at.Valid {
		r.At = fromMillis(at.Int64)
	}
	return r, nil
}

// Size is the database's size in bytes (pages in use and free).
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	query := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if s.pg {
		query = "SELECT pg_database_size(current_database())"
	}
	if err := s.queries.db.NewRaw(query).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}

// DayCounts counts the active lectures of a subtree (0: the city) on each
// day of p, by day (2019-07-01): the weekly line charts in one query rather
// than one LectureCount a week. Days without a lecture are absent.
func (s *Store) DayCounts(ctx context.Context, unit int64, p dangke.Period) (map[string]int, error) {
	query, args := "SELECT l.day, count(*) FROM lectures l WHERE l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? GROUP BY l.day", dayRange(p)
	if unit != 0 {
		where, uargs, err := s.unitFilter(ctx, unit)
		if err != nil {
			return nil, err
		}
		// CROSS JOIN keeps the subtree's units as the outer loop (SQLite does
		// not reorder it): a county reads its own lectures by unit, not the
		// whole city's by day.
		query = "SELECT l.day, count(*) FROM units u CROSS JOIN lectures l ON l.unit_id = u.id WHERE " + where +
			" AND l.withdrawn_at IS NULL AND l.day >= ? AND l.day <= ? GROUP BY l.day"
		args = append(uargs, args...)
	}
	rows, err := s.queries.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: day counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var day string
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, fmt.Errorf("store: day counts: %w", err)
		}
		out[day] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: day counts: %w", err)
	}
	return out, nil
}
