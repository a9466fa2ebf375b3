package dingtalk_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/dingtalk"
	"dangke/internal/testbot"
)

var (
	chaosN       = flag.Int("chaos", 1000, "messages in TestChaos (the issue's big run: 10000)")
	chaosJournal = flag.Bool("chaos-journal", true, "TestChaos with the outbox journal (false: marks in the database only)")
)

// TestCrashChild is the bot of the crash tests, run in a child process of
// the test binary (testbot.Start) against the parent's fake DingTalk; it
// skips in an ordinary run.
func TestCrashChild(t *testing.T) {
	if !testbot.IsChild() {
		t.Skip("the bot of the crash tests; runs in a child process")
	}
	r, st := testbot.RouterAt(t, os.Getenv("DANGKE_DB"), "dingtalk", "cidGroup1==", "manager123")
	fake := os.Getenv("DANGKE_FAKE")
	inFlight, _ := strconv.Atoi(os.Getenv("DANGKE_INFLIGHT"))
	hc := &http.Client{Timeout: 10 * time.Second, Transport: childTransport{pid: fmt.Sprint(os.Getpid())}}
	a, err := dingtalk.New(dingtalk.Config{ClientID: "dingtestclient", ClientSecret: "s3cret-app-key", OpenAPIHost: fake, OAPIHost: fake,
		HTTPClient: hc, Outbox: bot.OutboxConfig{Store: st, Journal: os.Getenv("DANGKE_JOURNAL"), InFlight: inFlight}, Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DANGKE_HOOK") == "stop" {
		dingtalk.SetBeforeReply(a, func() {
			fmt.Println("COMMITTED")
			select {} // wait here to be killed
		})
	}
	fmt.Println("READY")
	_ = a.Run(context.Background(), r)
}

// childTransport names the bot's process in every request (X-Child), so
// that the chaos test can tell which process sent each confirmation.
type childTransport struct{ pid string }

func (c childTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Child", c.pid)
	return http.DefaultTransport.RoundTrip(r)
}

// nowMessage is a robot message dated now, so that the outbox's age limit
// applies to it as to a live one.
func (f *fakeDingTalk) nowMessage(msgID, text string) map[string]any {
	m := f.robotMessage(msgID, "2", text)
	m["createAt"] = time.Now().UnixMilli()
	return m
}

// Killed with SIGKILL after the entry is committed and the frame
// acknowledged, before the confirmation goes out: after the restart the
// confirmation arrives, marked 补发, through the message's sessionWebhook,
// and the lecture is stored once.
func TestCrashBeforeReply(t *testing.T) {
	f := newFake(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	testbot.Setup(t, db, "dingtalk", "cidGroup1==", "manager123")
	child := testbot.Start(t, "TestCrashChild", "DANGKE_DB="+db, "DANGKE_FAKE="+f.srv.URL, "DANGKE_HOOK=stop")
	f.waitFor("the child's connection", 20*time.Second, func() bool { return f.conn != nil })
	id := f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.nowMessage("msg-crash", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	child.WaitFor(t, "COMMITTED", 20*time.Second)
	f.waitFor("the ack", 5*time.Second, func() bool { return len(f.acks[id]) == 1 })
	child.Kill()
	if n := len(f.hookTexts()); n != 0 {
		t.Fatalf("%d replies before the crash", n)
	}

	r, st := testbot.RouterAt(t, db, "dingtalk", "cidGroup1==", "manager123")
	run(t, f, r, dingtalk.Config{Outbox: bot.OutboxConfig{Store: st}})
	f.waitFor("the late confirmation", 10*time.Second, func() bool { return len(f.hooks) == 1 })
	time.Sleep(200 * time.Millisecond) // nothing more comes
	f.mu.Lock()
	h, n := f.hooks[0], len(f.hooks)
	f.mu.Unlock()
	if n != 1 || h.Session != "msg-crash" || !strings.HasPrefix(h.Text, dangke.LateMark+"已登记第 1 次微党课 ✅") {
		t.Fatalf("%d replies, first %+v", n, h)
	}
	if testbot.Lectures(t, st) != 1 {
		t.Fatal("the lecture is not stored once")
	}
	waitSent(t, st, dangke.MessageKey{Platform: "dingtalk", Chat: "cidGroup1==", ID: "msg-crash"})
}

// waitSent waits until the outbox row of key is marked sent.
func waitSent(t *testing.T, st dangke.Reader, key dangke.MessageKey) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		o, found, err := st.Reply(context.Background(), key)
		if err != nil || !found {
			t.Fatalf("outbox row of %s: %v %v", key.ID, found, err)
		}
		if o.State == dangke.OutboxSent {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox row of %s is %s", key.ID, o.State)
		}
	}
}

// chaosFrames holds the frames of the chaos test until they are
// acknowledged, and delivers them again on every new connection and when
// they stay unacknowledged, as DingTalk does.
type chaosFrames struct {
	f     *fakeDingTalk
	mu    sync.Mutex
	data  map[string]string // messageId -> data, until acknowledged
	order []string
	sent  map[string]time.Time // last delivery
}

func (c *chaosFrames) add(id, data string) {
	c.mu.Lock()
	c.data[id] = data
	c.order = append(c.order, id)
	c.mu.Unlock()
	c.deliver(id, data)
}

// deliver writes one frame on the current connection; a failed write waits
// for the next redelivery.
func (c *chaosFrames) deliver(id, data string) {
	c.f.mu.Lock()
	conn := c.f.conn
	c.f.mu.Unlock()
	c.mu.Lock()
	c.sent[id] = time.Now()
	c.mu.Unlock()
	if conn == nil {
		return
	}
	frame := map[string]any{"specVersion": "1.0", "type": "CALLBACK", "data": data,
		"headers": map[string]string{"topic": "/v1.0/im/bot/messages/get", "messageId": id, "contentType": "application/json",
			"time": fmt.Sprint(time.Now().UnixMilli())}}
	c.f.connWrite.Lock()
	defer c.f.connWrite.Unlock()
	_ = conn.WriteJSON(frame)
}

// unacked returns the frames not acknowledged with 200, oldest first, that
// were last delivered before cutoff.
func (c *chaosFrames) unacked(cutoff time.Time) [][2]string {
	c.f.mu.Lock()
	acked := map[string]bool{}
	for id, codes := range c.f.acks {
		for _, code := range codes {
			acked[id] = acked[id] || code == 200
		}
	}
	c.f.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][2]string
	keep := c.order[:0]
	for _, id := range c.order {
		if acked[id] {
			delete(c.data, id)
			continue
		}
		keep = append(keep, id)
		if c.sent[id].Before(cutoff) {
			out = append(out, [2]string{id, c.data[id]})
		}
	}
	c.order = keep
	return out
}

func (c *chaosFrames) redeliver(cutoff time.Time) {
	for _, fr := range c.unacked(cutoff) {
		c.deliver(fr[0], fr[1])
	}
}

// TestChaos sends lectures through the fake gateway while the bot, a child
// process, is killed with SIGKILL every few hundred milliseconds and
// started again; unacknowledged frames are delivered again. Every lecture
// must be stored once and confirmed at least once; repeated confirmations
// are reported. `go test -run TestChaos -chaos 10000 ./bot/dingtalk` is the
// issue's big run.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos takes a while")
	}
	n := *chaosN
	if raceBuild && n == 1000 { // the default, in a race build
		n = 200
	}
	f := newFake(t)
	db := filepath.Join(t.TempDir(), "chaos.db")
	testbot.Setup(t, db, "dingtalk", "cidGroup1==", "manager123")
	frames := &chaosFrames{f: f, data: map[string]string{}, sent: map[string]time.Time{}}
	f.onConnect = func() { frames.redeliver(time.Now()) }
	env := []string{"DANGKE_DB=" + db, "DANGKE_FAKE=" + f.srv.URL}
	if *chaosJournal {
		env = append(env, "DANGKE_JOURNAL="+db+".sent")
	}
	child := testbot.Start(t, "TestCrashChild", env...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // frames unacknowledged for 2 s come again
		for ctx.Err() == nil {
			time.Sleep(500 * time.Millisecond)
			frames.redeliver(time.Now().Add(-2 * time.Second))
		}
	}()
	pushed := make(chan struct{})
	go func() { // 500 lectures a second
		defer close(pushed)
		start := time.Now()
		for i := range n {
			if wait := time.Until(start.Add(time.Duration(i) * 2 * time.Millisecond)); wait > 0 {
				time.Sleep(wait)
			}
			id := fmt.Sprint("chaos-", i)
			m := f.nowMessage(id, fmt.Sprintf("/党课 讲课人%c%c%c 党员 《题目%d》 7月1日 %d人", rune(0x5000+i%40), rune(0x5000+i/40%40), rune(0x5000+i/1600), i, 10+i%50))
			raw, _ := json.Marshal(m)
			frames.add(fmt.Sprint("frame-", i), string(raw))
		}
	}()

	confirmed := func() (sessions map[string]int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		sessions = map[string]int{}
		for _, h := range f.hooks {
			if strings.Contains(h.Text, "已登记第") {
				sessions[h.Session]++
			}
		}
		return sessions
	}
	kills := 0
	killedAt := map[string]time.Time{}
	deadline := time.Now().Add(time.Duration(n/10+60) * time.Second)
	for {
		time.Sleep(time.Duration(150+rand.IntN(400)) * time.Millisecond)
		select {
		case <-pushed:
			if len(frames.unacked(time.Now().Add(time.Hour))) == 0 && len(confirmed()) == n {
				goto done
			}
		default:
		}
		if time.Now().After(deadline) {
			f.mu.Lock()
			shown := 0
			for _, h := range f.hooks {
				if !strings.Contains(h.Text, "已登记第") && shown < 3 {
					t.Logf("hook %+v", h)
					shown++
				}
			}
			t.Logf("%d hooks, %d api sends", len(f.hooks), len(f.sends))
			f.mu.Unlock()
			t.Fatalf("after %d kills: %d of %d confirmed, %d frames unacknowledged", kills, len(confirmed()), n,
				len(frames.unacked(time.Now().Add(time.Hour))))
		}
		select {
		case <-pushed: // every lecture is out: let the bot catch up
			continue
		default:
		}
		{
			killedAt[fmt.Sprint(child.Pid())] = time.Now()
			child.Kill()
			kills++
			child = testbot.Start(t, "TestCrashChild", env...)
		}
	}
done:
	child.Kill()
	sessions := confirmed()
	repeats := 0
	for i := range n {
		c := sessions[fmt.Sprint("chaos-", i)]
		if c == 0 {
			t.Errorf("lecture %d never confirmed", i)
		}
		repeats += max(c-1, 0)
	}
	_, st := testbot.RouterAt(t, db, "dingtalk", "cidGroup1==", "manager123")
	var total, distinct int
	if err := st.DB().NewRaw("SELECT count(*), count(DISTINCT title) FROM lectures WHERE withdrawn_at IS NULL").Scan(context.Background(), &total, &distinct); err != nil {
		t.Fatal(err)
	}
	if total != n || distinct != n {
		t.Errorf("%d lectures stored (%d distinct titles), want %d once each", total, distinct, n)
	}
	explainRepeats(t, f, killedAt)
	t.Logf("chaos: %d lectures, %d kills, %d stored once each, every one confirmed; %d confirmations repeated", n, kills, distinct, repeats)
	// A kill repeats at most the confirmation on its way (the outbox's
	// InFlight, 1): the platform took it, the process died before noting it.
	if repeats > kills {
		t.Errorf("%d repeated confirmations, more than the %d kills", repeats, kills)
	}
}

// With the outbox, a confirmation is marked sent once the webhook answers
// errcode 0; the same message delivered again after that is acknowledged
// without a second confirmation or a second entry.
func TestRedeliveryAfterSent(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{Outbox: bot.OutboxConfig{Store: st}})
	msg := f.nowMessage("msg-twice", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", msg)
	f.waitFor("the confirmation", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	waitSent(t, st, dangke.MessageKey{Platform: "dingtalk", Chat: "cidGroup1==", ID: "msg-twice"})
	again := f.push("CALLBACK", "/v1.0/im/bot/messages/get", msg)
	f.waitFor("the second ack", 5*time.Second, func() bool { return len(f.acks[again]) == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := len(f.hookTexts()); n != 1 || testbot.Lectures(t, st) != 1 {
		t.Fatalf("%d confirmations, %d lectures", n, testbot.Lectures(t, st))
	}
}

// A pending reply whose sessionWebhook has expired goes out through the
// OpenAPI: the group send for a group, the 1:1 send to the sender otherwise.
func TestResendAfterWebhookExpired(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	past := time.Now().Add(-time.Minute).UnixMilli()
	err := st.Update(context.Background(), func(tx dangke.Tx) error {
		for _, row := range []struct{ chat, id, route string }{
			{"cidGroup1==", "old-group", fmt.Sprintf(`{"g":true,"u":"manager123","w":"%s/robot/sendBySession?session=old-group","x":%d}`, f.srv.URL, past)},
			{"cidPrivate1==", "old-private", fmt.Sprintf(`{"u":"manager123","w":"%s/robot/sendBySession?session=old-private","x":%d}`, f.srv.URL, past)},
		} {
			if err := tx.SaveReply(context.Background(), dangke.MessageKey{Platform: "dingtalk", Chat: row.chat, ID: row.id},
				"已登记第 1 次微党课 ✅", row.route, time.Now().Add(-time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, f, r, dingtalk.Config{Outbox: bot.OutboxConfig{Store: st}})
	f.waitFor("two OpenAPI sends", 5*time.Second, func() bool { return len(f.sends) == 2 })
	f.mu.Lock()
	sends, hooks := append([]apiSend(nil), f.sends...), len(f.hooks)
	f.mu.Unlock()
	if hooks != 0 {
		t.Fatalf("%d sends through expired webhooks", hooks)
	}
	byPath := map[string]apiSend{}
	for _, s := range sends {
		byPath[s.Path] = s
	}
	g, p := byPath["/v1.0/robot/groupMessages/send"], byPath["/v1.0/robot/oToMessages/batchSend"]
	if g.Conversation != "cidGroup1==" || !strings.Contains(g.Param, "（补发）已登记第 1 次微党课") ||
		len(p.Users) != 1 || p.Users[0] != "manager123" || !strings.Contains(p.Param, "（补发）") {
		t.Fatalf("sends %+v", sends)
	}
	waitSent(t, st, dangke.MessageKey{Platform: "dingtalk", Chat: "cidGroup1==", ID: "old-group"})
	waitSent(t, st, dangke.MessageKey{Platform: "dingtalk", Chat: "cidPrivate1==", ID: "old-private"})
}

// explainRepeats sorts each repeated confirmation by its cause: which
// process sent the earlier copy, how long before that process was killed,
// and whether the later copy came from the sweep (补发) or a redelivery.
func explainRepeats(t *testing.T, f *fakeDingTalk, killedAt map[string]time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	last := map[string]hookCall{}
	causes := map[string]int{}
	var gaps []time.Duration
	for _, h := range f.hooks {
		if !strings.Contains(h.Text, "已登记第") {
			continue
		}
		prev, seen := last[h.Session]
		last[h.Session] = h
		if !seen {
			continue
		}
		how := "redelivery"
		if strings.HasPrefix(h.Text, "（补发）") {
			how = "sweep"
		}
		switch k, killed := killedAt[prev.Pid]; {
		case prev.Pid == h.Pid:
			causes["same process, "+how]++
		case !killed:
			causes["earlier process not killed (?), "+how]++
		default:
			gap := k.Sub(prev.At)
			gaps = append(gaps, gap)
			bucket := "earlier copy >100ms before its kill"
			if gap < 100*time.Millisecond {
				bucket = "earlier copy <100ms before its kill"
			}
			causes[bucket+", "+how]++
		}
	}
	slices.Sort(gaps)
	if len(f.hooks) > 0 {
		perSec := map[int]int{}
		for _, h := range f.hooks {
			perSec[int(h.At.Sub(f.hooks[0].At).Seconds())]++
		}
		t.Logf("confirmations per second: %v", perSec)
	}
	t.Logf("repeats by cause: %v", causes)
	if len(gaps) > 0 {
		t.Logf("earlier copy before its kill: min %v median %v max %v", gaps[0], gaps[len(gaps)/2], gaps[len(gaps)-1])
	}
}
