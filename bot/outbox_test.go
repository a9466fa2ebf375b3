package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/store"
)

// saved puts replies into the outbox as the router does: pending, with the entry.
func saved(t *testing.T, st *store.Store, at time.Time, ids ...string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx dangke.Tx) error {
		for _, id := range ids {
			if err := tx.SaveReply(context.Background(), dangke.MessageKey{Platform: "x", Chat: "c1", ID: id}, "已登记 "+id, `{"r":1}`, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A reply that keeps failing is tried MaxAttempts times, then marked failed
// and logged once at error; a reply older than MaxAge is left alone; a sent
// reply is not sent again, and marking it sent twice counts a repeat.
func TestOutboxAttemptsAndAge(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	saved(t, st, now.Add(-time.Hour), "fails", "works")
	saved(t, st, now.Add(-25*time.Hour), "old")
	var logs bytes.Buffer
	o := bot.NewOutbox("x", bot.OutboxConfig{Store: st, MaxAttempts: 3}, slog.New(slog.NewTextHandler(&logs, nil)))
	var got []string
	send := func(_ context.Context, r dangke.Outgoing) error {
		got = append(got, r.Key.ID+"|"+r.Text+"|"+r.Route)
		if r.Key.ID == "fails" {
			return errors.New("errcode 400013 机器人不在群里")
		}
		return nil
	}
	for range 5 {
		o.Sweep(ctx, send, true)
	}
	want := "fails|（补发）已登记 fails|{\"r\":1} works|（补发）已登记 works|{\"r\":1} fails|（补发）已登记 fails|{\"r\":1} fails|（补发）已登记 fails|{\"r\":1}"
	if strings.Join(got, " ") != want {
		t.Fatalf("sent %q", got)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 || !strings.Contains(logs.String(), "given up") {
		t.Fatalf("%d error lines:\n%s", n, logs.String())
	}
	counts, failed, err := st.OutboxStatus(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[0].State != "failed" || counts[0].N != 1 || counts[1].State != "pending" || counts[1].N != 1 ||
		len(failed) != 1 || failed[0].Key.ID != "fails" || failed[0].Attempts != 3 || !strings.Contains(failed[0].LastError, "400013") {
		t.Fatalf("status %+v %+v", counts, failed)
	}
	if repeat, err := st.MarkSent(ctx, dangke.MessageKey{Platform: "x", Chat: "c1", ID: "works"}, now); err != nil || !repeat {
		t.Fatalf("second mark: repeat %v, %v", repeat, err)
	}
	if r, _, _ := st.Reply(ctx, dangke.MessageKey{Platform: "x", Chat: "c1", ID: "works"}); r.State != dangke.OutboxSent {
		t.Fatalf("state %q", r.State)
	}
}

// The periodic sweep leaves a reply younger than Grace to the send that is
// on its way, and Claim keeps one process from sending a reply twice.
func TestOutboxGraceAndClaim(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	saved(t, st, time.Now(), "fresh")
	o := bot.NewOutbox("x", bot.OutboxConfig{Store: st}, nil)
	n := 0
	send := func(context.Context, dangke.Outgoing) error { n++; return nil }
	if o.Sweep(ctx, send, false); n != 0 {
		t.Fatal("a reply on its way was sent again")
	}
	key := dangke.MessageKey{Platform: "x", Chat: "c1", ID: "fresh"}
	if !o.Claim(key) || o.Claim(key) {
		t.Fatal("claim")
	}
	if o.Sweep(ctx, send, true); n != 0 {
		t.Fatal("a claimed reply was sent by the sweep")
	}
}

// A reply noted in the journal (the platform accepted it, the process died
// before its mark was committed) is marked sent at start and not sent
// again; a torn last line is skipped; the journal is emptied.
func TestOutboxJournal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	saved(t, st, time.Now().Add(-time.Minute), "accepted", "lost")
	journal := filepath.Join(dir, "o.db.sent")
	if err := os.WriteFile(journal+".x", []byte(`?{"Platform":"x","Chat":"c1","ID":"accepted"}`+"\n"+`{"Platform":"x","Chat":"c1","ID":"accepted"}`+"\n"+
		`?{"Platform":"x","Chat":"c1","ID":"lost"}`+"\n"+`{"Platform":"x","Ch`), 0o600); err != nil {
		t.Fatal(err)
	}
	o := bot.NewOutbox("x", bot.OutboxConfig{Store: st, Journal: journal}, nil)
	o.Recover(ctx)
	defer o.Close()
	if o.InDoubt() != 1 {
		t.Fatalf("%d replies in doubt, want 1 (lost: sent, never answered)", o.InDoubt())
	}
	var sent []string
	o.Sweep(ctx, func(_ context.Context, r dangke.Outgoing) error { sent = append(sent, r.Key.ID); return nil }, true)
	if strings.Join(sent, " ") != "lost" {
		t.Fatalf("sent again: %q", sent)
	}
	if r, _, _ := st.Reply(ctx, dangke.MessageKey{Platform: "x", Chat: "c1", ID: "accepted"}); r.State != dangke.OutboxSent {
		t.Fatalf("journalled reply is %q", r.State)
	}
	data, err := os.ReadFile(journal + ".x")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `?{"Platform":"x","Chat":"c1","ID":"lost"}`+"\n"+`{"Platform":"x","Chat":"c1","ID":"lost"}`+"\n" {
		t.Fatalf("journal after start and one send: %q", data)
	}
}

// Send keeps at most InFlight messages on their way, waits on Pace before
// each, and leaves a paced-out message pending (no attempt counted).
func TestOutboxSendInFlightAndPace(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprint("m", i))
	}
	saved(t, st, time.Now().Add(-time.Minute), ids...)
	var paced atomic.Int64
	o := bot.NewOutbox("x", bot.OutboxConfig{Store: st, InFlight: 2, Pace: func(_ context.Context, r dangke.Outgoing) error {
		paced.Add(1)
		if r.Key.ID == "m0" {
			return errors.New("quota")
		}
		return nil
	}}, nil)
	var now, most atomic.Int64
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = o.Send(ctx, dangke.Outgoing{Key: dangke.MessageKey{Platform: "x", Chat: "c1", ID: id}}, func(context.Context) error {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				now.Add(-1)
				return nil
			})
		}()
	}
	wg.Wait()
	if most.Load() != 2 || paced.Load() != 20 {
		t.Fatalf("%d on their way at most, %d paced", most.Load(), paced.Load())
	}
	r, _, _ := st.Reply(ctx, dangke.MessageKey{Platform: "x", Chat: "c1", ID: "m0"})
	if r.State != dangke.OutboxPending || r.Attempts != 0 {
		t.Fatalf("paced-out message %q after %d attempts", r.State, r.Attempts)
	}
}
