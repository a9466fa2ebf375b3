package digest_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/digest"
	"dangke/store"
)

// crashDBEnv, when set, makes TestDigestKilledMidSend the child process: it
// claims the digest for the database named and then hangs in the send until
// the parent kills it.
const crashDBEnv = "DANGKE_TEST_CRASH_DB"

// The chats of the crash test, bound to three counties in this order: the
// child sends the first digest, is killed in the second's send, and never
// reaches the third.
var crashChats = []dangke.ChatRef{{Platform: "test", ID: "g-crash-0", Group: true}, {Platform: "test", ID: "g-crash-1", Group: true},
	{Platform: "test", ID: "g-crash-2", Group: true}}

// claimTime is when the child claims the digest (the Monday after week 27).
var claimTime = time.Date(2019, 7, 8, 9, 0, 0, 0, cst)

// hang sends the first chat's digest, then announces that the second's
// row is committed and never returns.
type hang struct{}

func (hang) Notify(ctx context.Context, chat dangke.ChatRef, _ *dangke.Reply) error {
	if chat.ID == crashChats[0].ID {
		return nil
	}
	os.Stdout.WriteString("CLAIMED\n")
	os.Stdout.Sync()
	<-ctx.Done() // never: the child's context has no end, only SIGKILL stops it
	return ctx.Err()
}

func crashScheduler(st *store.Store, n dangke.Notifier, now time.Time, log *slog.Logger) *digest.Scheduler {
	return &digest.Scheduler{Store: st, Notifiers: map[string]dangke.Notifier{"test": n}, Campaign: dangke.DefaultCampaign(cst),
		City: "焦作市", Rubric: dangke.DefaultRubric(), Now: func() time.Time { return now }, Log: log,
		Sleep: func(context.Context, time.Duration) error { return nil }}
}

// A digest run killed (kill -9) after a digest's outbox row is committed and
// before its send finished loses nothing and doubles nothing: after the
// restart the digest sent before the kill is not sent again, the one cut
// off goes out once from the outbox's start-up sweep, marked 补发, and the
// one never reached goes out once from the scheduler's run, on time.
func TestDigestKilledMidSend(t *testing.T) {
	ctx := context.Background()
	week := dangke.Week(claimTime.AddDate(0, 0, -7))
	if path := os.Getenv(crashDBEnv); path != "" { // the child
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = crashScheduler(st, hang{}, claimTime, nil).RunWeek(ctx, week, false, nil)
		t.Fatal("the send returned")
	}
	path := filepath.Join(t.TempDir(), "d.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx dangke.Tx) error {
		for i, name := range []string{"博爱县", "武陟县", "温县"} { // in the order of their paths, as the digests go
			u := &dangke.Unit{Name: name, Kind: dangke.KindCounty}
			if err := tx.AddUnit(ctx, u); err != nil {
				return err
			}
			if err := tx.BindChat(ctx, crashChats[i], u.ID, "test:admin", claimTime.AddDate(0, -1, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	child := exec.Command(os.Args[0], "-test.run=^TestDigestKilledMidSend$", "-test.count=1")
	child.Env = append(os.Environ(), crashDBEnv+"="+path)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	claimed := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "CLAIMED" {
				claimed <- true
				return
			}
		}
		claimed <- false
	}()
	select {
	case ok := <-claimed:
		if !ok {
			_ = child.Wait()
			t.Fatalf("the child ended before its send:\n%s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("the child never claimed the digest")
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no deferred code runs
		t.Fatal(err)
	}
	_ = child.Wait()

	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	label := dangke.WeekLabel(week)
	for i, want := range []string{dangke.OutboxSent, dangke.OutboxPending, ""} {
		if s, _ := st.DigestStatus(ctx, crashChats[i], label); s != want {
			t.Fatalf("after the kill the digest of %s is %q, want %q", crashChats[i].ID, s, want)
		}
	}
	// The restarted bot: its scheduler finds the digest in the outbox and
	// leaves it to the outbox, whose start-up sweep sends it, marked 补发.
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := &recorder{}
	now := claimTime.Add(time.Minute)
	o := bot.NewOutbox("test", bot.OutboxConfig{Store: st, Now: func() time.Time { return now }}, log)
	o.Notify = rec.Notify
	if n := o.Sweep(ctx, nil, true); n != 1 || len(rec.sent) != 1 {
		t.Fatalf("the sweep at start sent %d: %q", n, rec.sent)
	}
	res, err := crashScheduler(st, rec, now, log).RunWeek(ctx, week, false, nil)
	if err != nil || res.Sent != 1 || res.Skipped != 2 || len(rec.sent) != 2 {
		t.Fatalf("restarted run: %+v %v, sent %q", res, err, rec.sent)
	}
	if !strings.HasPrefix(rec.sent[0], "→ g-crash-1\n"+dangke.LateMark) || !strings.Contains(rec.sent[0], "武陟县") {
		t.Errorf("the cut-off digest is not resent marked 补发:\n%s", rec.sent[0])
	}
	if !strings.HasPrefix(rec.sent[1], "→ g-crash-2\n") || strings.Contains(rec.sent[1], dangke.LateMark) {
		t.Errorf("the digest never reached is not sent on time:\n%s", rec.sent[1])
	}
	for _, c := range crashChats {
		if s, _ := st.DigestStatus(ctx, c, label); s != dangke.OutboxSent {
			t.Fatalf("digest of %s %q after the restart", c.ID, s)
		}
	}
	// And only once: neither a later sweep nor a later run sends again.
	now = now.Add(time.Hour)
	o.Sweep(ctx, nil, false)
	res, _ = crashScheduler(st, rec, now, log).RunWeek(ctx, week, false, nil)
	if res.Sent != 0 || res.Skipped != 3 || len(rec.sent) != 2 {
		t.Fatalf("sent again: %+v", res)
	}
}
