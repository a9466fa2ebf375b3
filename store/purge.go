package store

import (
	"context"
	"fmt"
	"time"

	"dangke"
)

// Personal data is kept only while it is needed: a lecturer withdrawn from
// a pool keeps a full phone number only through the undo window (a wrong
// withdrawal may be put right within it), and the records of handled
// messages, which hold the bot's replies, can be purged once a campaign is
// over.

// ClearRemovedPhones masks the phone numbers of lecturers removed from
// their pool before before (138****5678) and reports how many it masked.
func (s *Store) ClearRemovedPhones(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		res, err := t.db.ExecContext(ctx, `UPDATE instructors SET phone = substr(phone, 1, 3) || '****' || substr(phone, 8)
			WHERE removed_at IS NOT NULL AND removed_at < ? AND length(phone) = 11 AND phone NOT LIKE '%*%'`, millis(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: clear removed phones: %w", err)
	}
	return int(n), nil
}

// Purge deletes the records of messages handled before before, with the
// replies kept for their redeliveries, and writes an audit row saying so.
// It reports how many it deleted.
func (s *Store) Purge(ctx context.Context, before time.Time, actor string) (int, error) {
	var n int64
	err := s.Update(ctx, func(tx dangke.Tx) error {
		t := tx.(*txStore)
		res, err := t.db.ExecContext(ctx, "DELETE FROM messages WHERE at < ?", millis(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return tx.Audit(ctx, dangke.AuditEntry{Actor: actor, Chat: "cli", At: time.Now(), Action: "purge", Entity: "messages",
			Detail: fmt.Sprintf("删除 %s 之前的 %d 条消息记录", before.Format(dangke.DateLayout), n)})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	return int(n), nil
}

// PruneReplies deletes the records of messages handled before before whose
// reply was sent: a platform redelivers a message within hours, so after
// replies.keep_days nothing will ask for them again. A reply still pending
// (or given up, for the operator to see) is never deleted. It deletes in
// batches of a few thousand, each its own short transaction, so the
// writer is never held long, and reports how many it deleted.
func (s *Store) PruneReplies(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.Update(ctx, func(tx dangke.Tx) error {
			t := tx.(*txStore)
			res, err := t.db.ExecContext(ctx, `DELETE FROM messages WHERE (platform, chat, msg_id) IN
				(SELECT platform, chat, msg_id FROM messages WHERE state = 'sent' AND at < ? LIMIT 2000)`, millis(before))
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("store: prune replies: %w", err)
		}
		total += int(n)
		if n < 2000 || ctx.Err() != nil {
			return total, nil
		}
	}
}
