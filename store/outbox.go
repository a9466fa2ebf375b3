package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"dangke"
)

// The reply outbox is the messages table: each handled platform message's
// reply is saved there with its entry, pending, and marked sent once the
// platform accepts it. Marks go through the writer like every write, so they
// share its group commit.

// MarkSent records that the platform accepted a reply; see dangke.Outbox.
func (s *Store) MarkSent(ctx context.Context, key dangke.MessageKey, at time.Time) (bool, error) {
	repeat := false
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		res, err := t.stmt(ctx, t.p.markSent).ExecContext(ctx, t.p.holder, key.Platform, key.Chat, key.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var k int
			if err := t.db.NewRaw("SELECT count(*) FROM messages WHERE platform = ? AND chat = ? AND msg_id = ?",
				key.Platform, key.Chat, key.ID).Scan(ctx, &k); err != nil {
				return err
			}
			repeat = k > 0
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: mark reply sent: %w", err)
	}
	return repeat, nil
}

// SaveOutgoing puts a proactive message into the outbox; see dangke.DigestWriter.
func (t *txStore) SaveOutgoing(ctx context.Context, o dangke.Outgoing) (bool, error) {
	if o.Kind == "" || o.Kind == dangke.SendReply {
		return false, fmt.Errorf("store: save outgoing: kind %q is not proactive", o.Kind)
	}
	extra, err := encodeExtra(o)
	if err != nil {
		return false, fmt.Errorf("store: save outgoing: %w", err)
	}
	// Claimed by this replica, which posts it now (bot.Outbox.Post).
	res, err := t.db.ExecContext(ctx, `INSERT INTO messages (platform, chat, msg_id, reply, route, state, at, kind, extra, claimed_by, claim_until)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?) ON CONFLICT (platform, chat, msg_id) DO NOTHING`,
		o.Key.Platform, o.Key.Chat, o.Key.ID, o.Text, o.Route, millis(o.At), o.Kind, extra, t.p.holder, millis(o.At.Add(dangke.ClaimLease)))
	if err != nil {
		return false, fmt.Errorf("store: save outgoing: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MarkFailed records a failed send; see dangke.Outbox.
func (s *Store) MarkFailed(ctx context.Context, key dangke.MessageKey, reason string, at time.Time, maxAttempts int) (bool, error) {
	gaveUp := false
	if len(reason) > 500 {
		reason = reason[:500]
	}
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		var attempts int
		err := t.db.NewRaw(`UPDATE messages SET attempts = attempts + 1, tried_at = ?, last_error = ?, claim_until = 0,
			state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE state END
			WHERE platform = ? AND chat = ? AND msg_id = ? AND state = 'pending' RETURNING attempts`,
			millis(at), reason, maxAttempts, key.Platform, key.Chat, key.ID).Scan(ctx, &attempts)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) { // sent meanwhile, or not in the outbox
				return nil
			}
			return err
		}
		gaveUp = attempts >= maxAttempts
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: mark reply failed: %w", err)
	}
	return gaveUp, nil
}

const outgoingCols = `m.platform, m.chat, m.msg_id, m.reply, m.route, m.at, m.state, m.attempts, m.tried_at, m.last_error,
	coalesce((SELECT webhook_key FROM chats c WHERE c.platform = m.platform AND c.chat_id = m.chat),
		(SELECT webhook_key FROM city_chats c WHERE c.platform = m.platform AND c.chat_id = m.chat), ''),
	m.kind, coalesce((SELECT is_group FROM chats c WHERE c.platform = m.platform AND c.chat_id = m.chat),
		(SELECT is_group FROM city_chats c WHERE c.platform = m.platform AND c.chat_id = m.chat), 0), m.extra`

// Pending returns a platform's pending replies handled between since and
// before, oldest first; see dangke.Outbox.
func (s *Store) Pending(ctx context.Context, platform string, since, before time.Time, limit int) ([]dangke.Outgoing, error) {
	out, err := s.outgoing(ctx, "m.state = 'pending' AND m.at >= ? AND m.at < ? AND m.platform = ? ORDER BY m.at LIMIT ?",
		millis(since), millis(before), platform, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending replies: %w", err)
	}
	return out, nil
}

// OutboxCount is how many messages of a platform and kind (replies,
// digests ...) are in one state.
type OutboxCount struct {
	Platform string
	Kind     string
	State    string
	N        int
	Oldest   time.Time
}

// OutboxStatus counts the pending and failed messages (replies and the
// proactive ones: digests ...) by platform and kind, and returns the most
// recent failed ones (up to limit), for `dangke status`.
func (s *Store) OutboxStatus(ctx context.Context, limit int) ([]OutboxCount, []dangke.Outgoing, error) {
	rows, err := s.queries.db.QueryContext(ctx, `SELECT platform, kind, state, count(*), min(at) FROM messages INDEXED BY messages_pending
		WHERE state = 'pending' GROUP BY platform, kind
		UNION ALL SELECT platform, kind, state, count(*), min(at) FROM messages INDEXED BY messages_failed
		WHERE state = 'failed' GROUP BY platform, kind ORDER BY 1, 3, 2`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: outbox status: %w", err)
	}
	defer rows.Close()
	var counts []OutboxCount
	for rows.Next() {
		var c OutboxCount
		var oldest int64
		if err := rows.Scan(&c.Platform, &c.Kind, &c.State, &c.N, &oldest); err != nil {
			return nil, nil, fmt.Errorf("store: outbox status: %w", err)
		}
		c.Oldest = fromMillis(oldest)
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: outbox status: %w", err)
	}
	failed, err := s.outgoing(ctx, "m.state = 'failed' ORDER BY m.at DESC LIMIT ?", limit)
	if err != nil {
		return nil, nil, fmt.Errorf("store: outbox status: %w", err)
	}
	return counts, failed, nil
}

func (s *Store) outgoing(ctx context.Context, where string, args ...any) ([]dangke.Outgoing, error) {
	rows, err := s.queries.db.QueryContext(ctx, "SELECT "+outgoingCols+" FROM messages m WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dangke.Outgoing
	for rows.Next() {
		var o dangke.Outgoing
		var at, tried int64
		var extra string
		if err := rows.Scan(&o.Key.Platform, &o.Key.Chat, &o.Key.ID, &o.Text, &o.Route, &at, &o.State, &o.Attempts, &tried, &o.LastError, &o.Webhook, &o.Kind, &o.Group, &extra); err != nil {
			return nil, err
		}
		if err := decodeExtra(extra, &o); err != nil {
			return nil, fmt.Errorf("message %s/%s/%s: %w", o.Key.Platform, o.Key.Chat, o.Key.ID, err)
		}
		o.At = fromMillis(at)
		if tried != 0 {
			o.TriedAt = fromMillis(tried)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ClaimSend claims a pending message's send for this handle until
// now+lease; see dangke.Outbox. One conditional UPDATE decides between
// replicas: the database lets one of two concurrent claims through. A
// claim of this handle's that still runs for half a lease is kept as it
// is, without a write.
func (s *Store) ClaimSend(ctx context.Context, key dangke.MessageKey, now time.Time, lease time.Duration, force bool) (bool, error) {
	if !force {
		// A read first, off the writer: a redelivery of a reply this
		// replica is sending, or a sent one, needs no write.
		var by, state string
		var until int64
		err := s.queries.db.QueryRowContext(ctx, "SELECT claimed_by, claim_until, state FROM messages WHERE platform = ? AND chat = ? AND msg_id = ?",
			key.Platform, key.Chat, key.ID).Scan(&by, &until, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("store: claim a message's send: %w", err)
		case state != dangke.OutboxPending:
			return false, nil
		case by == s.p.holder && until >= millis(now.Add(lease/2)):
			return true, nil // held long enough
		case by != s.p.holder && until >= millis(now):
			return false, nil // another replica's, still running
		}
	}
	won, forced := false, 0
	if force {
		forced = 1
	}
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		res, err := t.db.ExecContext(ctx, `UPDATE messages SET claimed_by = ?, claim_until = ?
			WHERE platform = ? AND chat = ? AND msg_id = ? AND state = 'pending'
			AND (claim_until < ? OR claimed_by = ? OR ? = 1)`,
			t.p.holder, millis(now.Add(lease)), key.Platform, key.Chat, key.ID, millis(now), t.p.holder, forced)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		won = n == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: claim a message's send: %w", err)
	}
	return won, nil
}

// Holder is this store handle's name on the outbox's claims: the host,
// the process and a random part, so that two handles in one process (as
// tests open) differ too.
func (s *Store) Holder() string { return s.p.holder }

func newHolder() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}

// extra is what a proactive message carries beyond its text, kept as JSON
// in its row (messages.extra) so that a 补发 carries it too.
type extra struct {
	Files    []dangke.File `json:"files,omitempty"` // Data as base64
	Mentions []string      `json:"mentions,omitempty"`
}

func encodeExtra(o dangke.Outgoing) (string, error) {
	if len(o.Files) == 0 && len(o.Mentions) == 0 {
		return "", nil
	}
	b, err := json.Marshal(extra{Files: o.Files, Mentions: o.Mentions})
	return string(b), err
}

func decodeExtra(s string, o *dangke.Outgoing) error {
	if s == "" {
		return nil
	}
	var e extra
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return err
	}
	o.Files, o.Mentions = e.Files, e.Mentions
	return nil
}

var _ dangke.Outbox = (*Store)(nil)
