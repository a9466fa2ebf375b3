package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/telegram"
	"dangke/chart"
	"dangke/digest"
	"dangke/internal/testbot"
	"dangke/store"
)

// The county chat of the digest crash test: 温县, whose digest carries the
// coverage chart of the units below it.
const countyChat = "-1002222222222"

// digestNow is when the digest of the week of 8 July 2019 is sent.
var digestNow = time.Date(2019, 7, 15, 9, 0, 0, 0, testbot.Now.Location())

// hangNotifier is the bot's Notify cut off by a kill: it says that the
// digest's outbox row is committed and never returns.
type hangNotifier struct{}

func (hangNotifier) Notify(ctx context.Context, _ dangke.ChatRef, _ *dangke.Reply) error {
	fmt.Println("SAVED")
	<-ctx.Done() // never: only SIGKILL ends the child
	return ctx.Err()
}

// TestDigestChild runs the digest of the crash test in a child process, with
// the chart, and hangs in its send until it is killed.
func TestDigestChild(t *testing.T) {
	if !testbot.IsChild() || os.Getenv("DANGKE_DIGEST") == "" {
		t.Skip("the bot of the digest crash test; runs in a child process")
	}
	st, err := store.Open(context.Background(), os.Getenv("DANGKE_DB"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := chart.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	s := &digest.Scheduler{Store: st, Notifiers: map[string]dangke.Notifier{telegram.Platform: hangNotifier{}},
		Campaign: dangke.DefaultCampaign(testbot.Now.Location()), City: "焦作市", Rubric: dangke.DefaultRubric(), Charts: r,
		Now: func() time.Time { return digestNow }, Sleep: func(context.Context, time.Duration) error { return nil }}
	_, _ = s.RunWeek(context.Background(), dangke.Week(time.Date(2019, 7, 8, 0, 0, 0, 0, testbot.Now.Location())), false, nil)
	t.Fatal("the send returned")
}

// A digest killed (SIGKILL) after its outbox row was committed and before
// it went out is sent by the restarted bot's start-up sweep, marked 补发,
// with its coverage chart: the picture is kept in the row.
func TestDigestResentWithChart(t *testing.T) {
	f := newFakeAPI(t)
	db := filepath.Join(t.TempDir(), "digest.db")
	r, st := testbot.RouterAt(t, db, telegram.Platform, "-1001234567890", "777")
	ctx := context.Background()
	for _, q := range []struct{ chat, text string }{
		{countyChat, "/单位 绑定 温县"},
		{"-1001234567890", "/lecture 张三 支部书记 《我和我的祖国》 7月9日 45人"},
	} {
		reply, err := r.Handle(ctx, dangke.Request{Chat: dangke.ChatRef{Platform: telegram.Platform, ID: q.chat, Group: true},
			From: dangke.Person{Platform: telegram.Platform, ID: "777"}, Text: q.text})
		if err != nil || reply == nil {
			t.Fatalf("%s: %v %v", q.text, reply, err)
		}
	}
	st.Close()

	child := testbot.Start(t, "TestDigestChild", "DANGKE_DB="+db, "DANGKE_DIGEST=1")
	child.WaitFor(t, "SAVED", 60*time.Second)
	child.Kill()

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := digestNow.Add(time.Minute)
	a, err := telegram.New(ctx, telegram.Config{Token: f.token, APIURL: f.srv.URL, PollTimeout: 2 * time.Second,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Outbox: bot.OutboxConfig{Store: st, Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(rctx, r) }()
	t.Cleanup(func() { cancel(); <-done })

	f.waitSent(1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		docs := append([]sentDocument(nil), f.docs...)
		sent := append([]sentMessage(nil), f.sent...)
		f.mu.Unlock()
		if len(docs) > 0 {
			if len(sent) != 1 || sent[0].ChatID != countyChat || !strings.HasPrefix(sent[0].Text, dangke.LateMark) || !strings.Contains(sent[0].Text, "温县") {
				t.Fatalf("the digest's text: %+v", sent)
			}
			if len(docs) != 1 || docs[0].ChatID != countyChat || !strings.HasSuffix(docs[0].Name, ".png") || !strings.HasPrefix(docs[0].Data, "\x89PNG") {
				t.Fatalf("the digest's chart: %d files, %+v", len(docs), docs[0].Name)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 补发 digest went out without its chart: %+v", sent)
		}
		time.Sleep(20 * time.Millisecond)
	}
	week := dangke.WeekLabel(dangke.Week(time.Date(2019, 7, 8, 0, 0, 0, 0, testbot.Now.Location())))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s, err := st.DigestStatus(ctx, dangke.ChatRef{Platform: telegram.Platform, ID: countyChat, Group: true}, week)
		if err != nil {
			t.Fatal(err)
		}
		if s == dangke.OutboxSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the digest's row is %q", s)
		}
	}
}
