package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dangke"
)

// AddActions stores the pending actions of buttons; see dangke.Buttons.
// It also forgets the actions that expired more than a day before the
// first's creation, so the table holds only live buttons and recent ones
// (here, off the path of logging an entry).
func (s *Store) AddActions(ctx context.Context, hashes []string, actions []dangke.PendingAction) error {
	err := s.Update(ctx, func(tx dangke.Tx) error {
		if len(actions) > 0 {
			if _, err := tx.(*txStore).db.ExecContext(ctx, "DELETE FROM button_actions WHERE expires_at < ?",
				millis(actions[0].Created.Add(-24*time.Hour))); err != nil {
				return err
			}
		}
		return tx.AddActions(ctx, hashes, actions)
	})
	if err != nil {
		return fmt.Errorf("store: add button actions: %w", err)
	}
	return nil
}

// AddActions stores the pending actions of buttons in the transaction of
// the entry they belong to, through a prepared statement; see dangke.Writer.
func (t *txStore) AddActions(ctx context.Context, hashes []string, actions []dangke.PendingAction) error {
	if len(hashes) != len(actions) {
		return fmt.Errorf("store: add button actions: %d hashes for %d actions", len(hashes), len(actions))
	}
	for i, a := range actions {
		if err := t.later(ctx, t.p.addAction, "add button actions",
			hashes[i], a.Group, a.Chat, a.Person, a.Label, a.Answer, a.Ref, millis(a.Expires), millis(a.Created)); err != nil {
			return err
		}
	}
	return nil
}

// UseAction takes the pending action of a token hash; see dangke.Buttons.
func (s *Store) UseAction(ctx context.Context, hash, person, chat string, now time.Time) (dangke.PendingAction, error) {
	var a dangke.PendingAction
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		var expires, created int64
		var used sql.NullInt64
		err := t.db.QueryRowContext(ctx, `SELECT grp, chat, person, label, answer, ref, expires_at, created_at, used_at
			FROM button_actions WHERE hash = ?`, hash).Scan(&a.Group, &a.Chat, &a.Person, &a.Label, &a.Answer, &a.Ref, &expires, &created, &used)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && a.Chat != chat) {
			return dangke.Errorf(dangke.ENOTFOUND, "这个按钮无效。")
		}
		if err != nil {
			return err
		}
		a.Expires, a.Created = fromMillis(expires), fromMillis(created)
		switch {
		case a.Person != person:
			return dangke.Errorf(dangke.EFORBIDDEN, "这个按钮是给提问的人的，别人点了不算。")
		case used.Valid:
			return dangke.Errorf(dangke.ECONFLICT, "这个问题已经回答过了。")
		case now.After(a.Expires):
			return dangke.Errorf(dangke.EINVALID, "这个按钮已经过期。")
		}
		res, err := t.db.ExecContext(ctx, "UPDATE button_actions SET used_at = ? WHERE grp = ? AND used_at IS NULL", millis(now), a.Group)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return dangke.Errorf(dangke.ECONFLICT, "这个问题已经回答过了。")
		}
		return nil
	})
	if err != nil {
		if dangke.ErrorCode(err) != dangke.EINTERNAL {
			return dangke.PendingAction{}, err
		}
		return dangke.PendingAction{}, fmt.Errorf("store: use button: %w", err)
	}
	return a, nil
}
