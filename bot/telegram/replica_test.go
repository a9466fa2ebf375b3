package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"dangke/bot"
	"dangke/bot/telegram"
	"dangke/internal/pgtest"
	"dangke/internal/testbot"
	"dangke/store"
)

// TestReplicaChild is one replica of TestPollingFailover: Telegram long
// polling under the lease. It runs in a child process; it skips otherwise.
func TestReplicaChild(t *testing.T) {
	if !testbot.IsChild() || os.Getenv("DANGKE_REPLICA") == "" {
		t.Skip("a replica of TestPollingFailover; runs in a child process")
	}
	r, st := testbot.RouterAt(t, os.Getenv("DANGKE_DB"), "telegram", "-1001234567890", "777")
	ctx := context.Background()
	a, err := telegram.New(ctx, telegram.Config{Token: "123456:TEST-token", APIURL: os.Getenv("DANGKE_FAKE"), PollTimeout: 2 * time.Second,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Outbox: bot.OutboxConfig{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	lease := st.Lease(store.Leader, os.Getenv("DANGKE_REPLICA"))
	fmt.Println("READY")
	_ = lease.Run(ctx, func(ctx context.Context) error { return a.Run(ctx, r) })
}

// TestPollingFailover: of three replicas on one PostgreSQL database only
// the leader polls Telegram; killed with SIGKILL, another replica polls
// within 15 s and answers the messages that came meanwhile.
func TestPollingFailover(t *testing.T) {
	pgtest.Need(t)
	f := newFakeAPI(t)
	db := pgtest.URL(t)
	testbot.Setup(t, db, "telegram", "-1001234567890", "777")
	children := map[string]*testbot.Child{}
	for i := range 3 {
		name := fmt.Sprintf("replica-%d", i+1)
		children[name] = testbot.Start(t, "TestReplicaChild", "DANGKE_DB="+db, "DANGKE_FAKE="+f.srv.URL, "DANGKE_REPLICA="+name)
		children[name].WaitFor(t, "READY", 60*time.Second)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	leader := func() string {
		h, err := st.Holders(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return h[store.Leader]
	}
	polls := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.polls }
	waitFor := func(what string, within time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within %v", what, within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("polling", 30*time.Second, func() bool { return polls() > 0 && leader() != "" })
	old := leader()
	f.push("message", message(41, group, "/lecture 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	waitFor("the first answer", 20*time.Second, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.sent) == 1 })

	children[old].Kill()
	killed := time.Now()
	before := polls()
	f.push("message", message(42, group, "/lecture 李四 党员 《我和我的祖国》 7月1日 30人"))
	// A long poll of the dead leader may be counted after the kill; the
	// new leader's polls and its answer prove the takeover.
	waitFor("an answer from another replica", 15*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.sent) == 2 && strings.Contains(f.sent[1].Text, "已登记")
	})
	took := time.Since(killed)
	if l := leader(); l == "" || l == old {
		t.Fatalf("leader after the kill: %q (was %q)", l, old)
	}
	if polls() <= before {
		t.Fatal("no poll after the kill")
	}
	if testbot.Lectures(t, st) != 2 {
		t.Fatalf("%d lectures", testbot.Lectures(t, st))
	}
	t.Logf("polling resumed on %s %v after killing %s", leader(), took.Round(time.Millisecond), old)
}
