package store

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// IsMember reports whether a person has spoken in a chat bound to a unit or
// to the city (and that chat is still bound).
func (q queries) IsMember(ctx context.Context, person string) (bool, error) {
	var n int
	if err := q.stmt(ctx, q.p.isMember).QueryRowContext(ctx, person).Scan(&n); err != nil {
		return false, fmt.Errorf("store: member: %w", err)
	}
	return n > 0, nil
}

// isMemberSQL is IsMember's query (prepared: it runs with every message).
const isMemberSQL = `SELECT count(*) FROM chat_members m WHERE m.person = ? AND (
	EXISTS (SELECT 1 FROM chats c WHERE c.platform = m.platform AND c.chat_id = m.chat_id) OR
	EXISTS (SELECT 1 FROM city_chats c WHERE c.platform = m.platform AND c.chat_id = m.chat_id))`

// NoteMember records that a person spoke in a bound chat.
func (t *txStore) NoteMember(ctx context.Context, person string, chat dangke.ChatRef, at time.Time) error {
	return t.later(ctx, t.p.noteMember, "note member", chat.Platform, person, chat.ID, millis(at))
}
