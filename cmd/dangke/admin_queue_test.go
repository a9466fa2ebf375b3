package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dangke"
	"dangke/store"
)

// The send queue of /metrics counts the confirmations still pending in the
// reply outbox.
func TestPendingReplies(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &Main{store: st, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if n := m.pendingReplies(); n != 0 {
		t.Fatalf("empty outbox: %d pending", n)
	}
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for _, id := range []string{"m1", "m2"} {
			if err := tx.SaveReply(ctx, dangke.MessageKey{Platform: "telegram", Chat: "c", ID: id}, "已登记", "", time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := m.pendingReplies(); n != 2 {
		t.Fatalf("%d pending, want 2", n)
	}
}
