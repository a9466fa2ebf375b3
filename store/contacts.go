package store

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// AllContacts returns the responsible people of every unit; see dangke.Reader.
func (q queries) AllContacts(ctx context.Context) (map[int64][]string, error) {
	var rows []struct {
		UnitID int64  `bun:"unit_id"`
		Person string `bun:"person"`
	}
	if err := q.db.NewRaw("SELECT unit_id, person FROM unit_contacts ORDER BY unit_id, added_at, person").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.UnitID] = append(out[r.UnitID], r.Person)
	}
	return out, nil
}

// OptedOut returns who asked not to be @-mentioned; see dangke.Reader.
func (q queries) OptedOut(ctx context.Context) ([]string, error) {
	var out []string
	if err := q.db.NewRaw("SELECT person FROM reminder_optouts ORDER BY person").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: opted out: %w", err)
	}
	return out, nil
}

// SeenIn returns the people the bot has seen speak in a chat; see dangke.Reader.
func (q queries) SeenIn(ctx context.Context, chat dangke.ChatRef) (map[string]bool, error) {
	var people []string
	if err := q.db.NewRaw("SELECT person FROM chat_members WHERE platform = ? AND chat_id = ?", chat.Platform, chat.ID).Scan(ctx, &people); err != nil {
		return nil, fmt.Errorf("store: seen in chat: %w", err)
	}
	out := make(map[string]bool, len(people))
	for _, p := range people {
		out[p] = true
	}
	return out, nil
}

// SetContacts replaces a unit's responsible people; see dangke.Writer.
func (t *txStore) SetContacts(ctx context.Context, unit int64, people []string, by string, at time.Time) error {
	if _, err := t.db.ExecContext(ctx, "DELETE FROM unit_contacts WHERE unit_id = ?", unit); err != nil {
		return fmt.Errorf("store: set contacts: %w", err)
	}
	for _, p := range people {
		if _, err := t.db.ExecContext(ctx, "INSERT OR IGNORE INTO unit_contacts (unit_id, person, added_by, added_at) VALUES (?, ?, ?, ?)",
			unit, p, by, millis(at)); err != nil {
			return fmt.Errorf("store: set contacts: %w", err)
		}
	}
	return nil
}

// SetOptOut records that a person does (off) or does not want to be
// @-mentioned; see dangke.Writer.
func (t *txStore) SetOptOut(ctx context.Context, person string, off bool, at time.Time) error {
	q, args := "DELETE FROM reminder_optouts WHERE person = ?", []any{person}
	if off {
		q, args = "INSERT INTO reminder_optouts (person, at) VALUES (?, ?) ON CONFLICT (person) DO NOTHING", []any{person, millis(at)}
	}
	if _, err := t.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: reminder opt-out: %w", err)
	}
	return nil
}

// ClaimReminder records a deadline reminder to a chat; see dangke.Writer.
func (t *txStore) ClaimReminder(ctx context.Context, chat dangke.ChatRef, deadline string, ahead int, at time.Time) (bool, error) {
	res, err := t.db.ExecContext(ctx, "INSERT OR IGNORE INTO deadline_reminders (platform, chat_id, deadline, ahead, at) VALUES (?, ?, ?, ?, ?)",
		chat.Platform, chat.ID, deadline, ahead, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: claim reminder: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
