package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// conversationsKept is how long an expired conversation stays, so that the
// sender is told it ran out of time instead of being misunderstood.
const conversationsKept = 48 * time.Hour

// SaveConversation keeps a waiting command's state; see dangke.Conversations.
// Conversations that expired a day before this one will are dropped in
// the same transaction (the router's clock, not this machine's, decides).
func (s *Store) SaveConversation(ctx context.Context, key string, state []byte, expires time.Time) error {
	endPrefetch(ctx)
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		if _, err := t.db.ExecContext(ctx, `INSERT INTO conversations (key, state, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
			key, string(state), millis(expires)); err != nil {
			return err
		}
		_, err := t.db.ExecContext(ctx, "DELETE FROM conversations WHERE expires_at < ?", millis(expires.Add(-conversationsKept)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save conversation: %w", err)
	}
	return nil
}

// PeekConversation reads a waiting command's state; see dangke.Conversations.
func (s *Store) PeekConversation(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if c, ok := s.queries.fetched(ctx).takeConversation(key); ok {
		if c == nil {
			return nil, time.Time{}, false, nil
		}
		return []byte(c.state), fromMillis(c.exp), true, nil
	}
	var state string
	var exp int64
	err := s.queries.stmt(ctx, s.queries.p.peekConversation).QueryRowContext(ctx, key).Scan(&state, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: conversation: %w", err)
	}
	return []byte(state), fromMillis(exp), true, nil
}

// TakeConversation removes and returns a waiting command's state; see
// dangke.Conversations. The read before the write keeps the messages of
// people in no conversation (nearly all) away from the writer.
func (s *Store) TakeConversation(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	endPrefetch(ctx)
	if _, _, ok, err := s.PeekConversation(ctx, key); !ok || err != nil {
		return nil, time.Time{}, false, err
	}
	var state string
	var exp int64
	found := false
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		err := t.db.QueryRowContext(ctx, "DELETE FROM conversations WHERE key = ? RETURNING state, expires_at", key).Scan(&state, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: take conversation: %w", err)
	}
	if !found {
		return nil, time.Time{}, false, nil
	}
	return []byte(state), fromMillis(exp), true, nil
}

// DropConversation removes a waiting command's state if it is still
// state; see dangke.Conversations.
func (s *Store) DropConversation(ctx context.Context, key string, state []byte) (bool, error) {
	endPrefetch(ctx)
	var ok bool
	err := s.Update(ctx, func(tx dangke.Tx) error {
		var err error
		ok, err = tx.(*txStore).DropConversation(ctx, key, state)
		return err
	})
	return ok, err
}

// DropConversation removes a waiting command's state in the transaction,
// if it is still state; see dangke.ConversationTx.
func (t *txStore) DropConversation(ctx context.Context, key string, state []byte) (bool, error) {
	res, err := t.db.ExecContext(ctx, "DELETE FROM conversations WHERE key = ? AND state = ?", key, string(state))
	if err != nil {
		return false, fmt.Errorf("store: drop conversation: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

var _ dangke.Conversations = (*Store)(nil)
var _ dangke.ConversationTx = (*txStore)(nil)
