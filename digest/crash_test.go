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
	"dangke/digest"
	"dangke/store"
)

// crashDBEnv, when set, makes TestDigestKilledMidSend the child process: it
// claims the digest for the database named and then hangs in the send until
// the parent kills it.
const crashDBEnv = "DANGKE_TEST_CRASH_DB"

var crashChat = dangke.ChatRef{Platform: "test", ID: "g-crash", Group: true}

// claimTime is when the child claims the digest (the Monday after week 27).
var claimTime = time.Date(2019, 7, 8, 9, 0, 0, 0, cst)

// hang announces that the claim is made and then never returns.
type hang struct{}

func (hang) Notify(ctx context.Context, _ dangke.ChatRef, _ *dangke.Reply) error {
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

// A digest whose process is killed (kill -9) after its claim and before its
// send finished is not lost: once the claim is older than a few minutes, the
// next run sends it again, marked 补发, and says so in the log at warn.
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
		u := &dangke.Unit{Name: "温县", Kind: dangke.KindCounty}
		if err := tx.AddUnit(ctx, u); err != nil {
			return err
		}
		return tx.BindChat(ctx, crashChat, u.ID, "test:admin", claimTime.AddDate(0, -1, 0))
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
	if s, _ := st.DigestStatus(ctx, crashChat, label); s != dangke.DigestSending {
		t.Fatalf("after the kill the record is %q, want sending", s)
	}
	// While the claim is fresh another process may still be sending it.
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := &recorder{}
	res, err := crashScheduler(st, rec, claimTime.Add(2*time.Minute), log).RunWeek(ctx, week, false, nil)
	if err != nil || res.Sent != 0 || res.Skipped != 1 {
		t.Fatalf("fresh claim: %+v %v", res, err)
	}
	res, err = crashScheduler(st, rec, claimTime.Add(dangke.DigestStale+time.Minute), log).RunWeek(ctx, week, false, nil)
	if err != nil || res.Sent != 1 || len(rec.sent) != 1 {
		t.Fatalf("stale claim: %+v %v, sent %q", res, err, rec.sent)
	}
	if !strings.Contains(rec.sent[0], "补发") {
		t.Errorf("the resent digest is not marked 补发:\n%s", rec.sent[0])
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "补发") {
		t.Errorf("no warning in the log:\n%s", logs.String())
	}
	if s, _ := st.DigestStatus(ctx, crashChat, label); s != dangke.DigestSent {
		t.Fatalf("record %q after the resend", s)
	}
	// And only once.
	res, _ = crashScheduler(st, rec, claimTime.Add(time.Hour), log).RunWeek(ctx, week, false, nil)
	if res.Sent != 0 || len(rec.sent) != 1 {
		t.Fatalf("sent again: %+v", res)
	}
}

// A bot restarted right after dying mid-send finds the claim still fresh;
// it looks again once the claim is stale, not at next week's run, and sends
// the digest then.
func TestRunRechecksUnfinishedClaim(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	week := dangke.Week(claimTime.AddDate(0, 0, -7))
	err = st.Update(ctx, func(tx dangke.Tx) error {
		u := &dangke.Unit{Name: "温县", Kind: dangke.KindCounty}
		if err := tx.AddUnit(ctx, u); err != nil {
			return err
		}
		if err := tx.BindChat(ctx, crashChat, u.ID, "test:admin", claimTime.AddDate(0, -1, 0)); err != nil {
			return err
		}
		_, err := tx.ClaimDigest(ctx, crashChat, dangke.WeekLabel(week), false, claimTime) // the process that died
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	now := claimTime.Add(time.Minute) // restarted a minute later
	rec := &recorder{}
	var slept []time.Duration
	s := crashScheduler(st, rec, now, nil)
	s.Now = func() time.Time { return now }
	s.Sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		now = now.Add(d)
		if len(slept) == 2 {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 || !strings.Contains(rec.sent[0], "补发") {
		t.Fatalf("sent %q", rec.sent)
	}
	if slept[0] > dangke.DigestStale+2*time.Minute {
		t.Fatalf("waited %v before looking again", slept[0])
	}
}
