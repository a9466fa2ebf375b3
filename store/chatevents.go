package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"dangke"
)

// MoveChat puts everything kept under a chat's id under its new id; see dangke.Writer.
func (t *txStore) MoveChat(ctx context.Context, from, to dangke.ChatRef) error {
	// Anything the new id already has (a message sent there before the
	// move was seen) gives way to the old chat's.
	for _, q := range []string{
		"DELETE FROM chats WHERE platform = ? AND chat_id = ? AND EXISTS (SELECT 1 FROM chats WHERE platform = ? AND chat_id = ?)",
		"DELETE FROM city_chats WHERE platform = ? AND chat_id = ? AND EXISTS (SELECT 1 FROM city_chats WHERE platform = ? AND chat_id = ?)",
	} {
		if _, err := t.db.ExecContext(ctx, q, to.Platform, to.ID, from.Platform, from.ID); err != nil {
			return fmt.Errorf("store: move chat: %w", err)
		}
	}
	for _, q := range []string{
		"UPDATE chats SET chat_id = ?, title = CASE WHEN ? <> '' THEN ? ELSE title END WHERE platform = ? AND chat_id = ?",
		"UPDATE city_chats SET chat_id = ?, title = CASE WHEN ? <> '' THEN ? ELSE title END WHERE platform = ? AND chat_id = ?",
	} {
		if _, err := t.db.ExecContext(ctx, q, to.ID, to.Title, to.Title, from.Platform, from.ID); err != nil {
			return fmt.Errorf("store: move chat: %w", err)
		}
	}
	for _, q := range []string{
		"UPDATE OR IGNORE chat_members SET chat_id = ? WHERE platform = ? AND chat_id = ?",
		"UPDATE OR IGNORE digests SET chat_id = ? WHERE platform = ? AND chat_id = ?",
		"UPDATE OR IGNORE link_revocations SET chat_id = ? WHERE platform = ? AND chat_id = ?",
	} {
		if _, err := t.db.ExecContext(ctx, q, to.ID, from.Platform, from.ID); err != nil {
			return fmt.Errorf("store: move chat: %w", err)
		}
	}
	for _, q := range []string{
		"UPDATE lectures SET chat = ? WHERE chat = ?",
		"UPDATE instructors SET chat = ? WHERE chat = ?",
		"UPDATE button_actions SET chat = ? WHERE chat = ?",
	} {
		if _, err := t.db.ExecContext(ctx, q, to.Key(), from.Key()); err != nil {
			return fmt.Errorf("store: move chat: %w", err)
		}
	}
	return nil
}

// SetChatLeft marks a bound chat inactive (the bot was removed) or, with a
// zero at, active again; ENOTFOUND if it is not bound.
func (t *txStore) SetChatLeft(ctx context.Context, chat dangke.ChatRef, at time.Time) error {
	var v sql.NullInt64
	if !at.IsZero() {
		v = sql.NullInt64{Int64: millis(at), Valid: true}
	}
	n := int64(0)
	for _, q := range []string{"UPDATE chats SET left_at = ? WHERE platform = ? AND chat_id = ?", "UPDATE city_chats SET left_at = ? WHERE platform = ? AND chat_id = ?"} {
		res, err := t.db.ExecContext(ctx, q, v, chat.Platform, chat.ID)
		if err != nil {
			return fmt.Errorf("store: chat left: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if n == 0 {
		return dangke.Errorf(dangke.ENOTFOUND, "本群没有绑定任何单位。")
	}
	return nil
}

// UnitAdmins returns the people with an admin role over a unit: on it or
// on a unit above it.
func (q queries) UnitAdmins(ctx context.Context, unit int64) ([]string, error) {
	var out []string
	err := q.db.NewRaw(`SELECT DISTINCT r.person FROM roles r JOIN units a ON a.id = r.unit_id JOIN units u ON u.id = ?
		WHERE u.path = a.path OR u.path LIKE a.path || '/%' ORDER BY r.person`, unit).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unit admins: %w", err)
	}
	return out, nil
}
