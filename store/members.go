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
	err := q.db.NewRaw(`SELECT count(*) FROM chat_members m WHERE m.person = ? AND (
		EXISTS (SELECT 1 FROM chats c WHERE c.platform = m.platform AND c.chat_id = m.chat_id) OR
		EXISTS (SELECT 1 FROM city_chats c WHERE c.platform = m.platform AND c.chat_id = m.chat_id))`, person).Scan(ctx, &n)
	if err != nil {
		return false, fmt.Errorf("store: member: %w", err)
	}
	return n > 0, nil
}

// NoteMember records that a person spoke in a bound chat.
func (t *txStore) NoteMember(ctx context.Context, person string, chat dangke.ChatRef, at time.Time) error {
	_, err := t.db.ExecContext(ctx, `INSERT INTO chat_members (platform, person, chat_id, at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, chat.Platform, person, chat.ID, millis(at))
	if err != nil {
		return fmt.Errorf("store: note member: %w", err)
	}
	return nil
}
