package dingtalk_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/bot/dingtalk"
	"dangke/commands"
	"dangke/internal/testbot"
	"dangke/store"
)

// setup returns the real router on a fresh database, with the group
// cidGroup1== bound to a branch and manager123 an admin.
func setup(t testing.TB) (*commands.Router, *store.Store) {
	return testbot.Router(t, "dingtalk", "cidGroup1==", "manager123")
}

// run starts an adapter on the fake until the test ends and waits for it to connect.
func run(t testing.TB, f *fakeDingTalk, h dangke.Handler, cfg dingtalk.Config) *dingtalk.Adapter {
	cfg.ClientID, cfg.ClientSecret = f.id, f.key
	cfg.OpenAPIHost, cfg.OAPIHost = f.srv.URL, f.srv.URL
	if testing.Verbose() {
		cfg.Logger = slog.Default()
	}
	a, err := dingtalk.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	f.waitFor("the first connection", 5*time.Second, func() bool { return f.conn != nil })
	return a
}

// A group message (the @mention already removed by DingTalk, leaving a
// leading space) and a 1:1 message are each answered through their webhook.
func TestGroupAndPrivate(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	id := f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-1", "2", " /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitFor("the group reply", 5*time.Second, func() bool { return len(f.hooks) == 1 && len(f.acks[id]) == 1 })
	h := f.hooks[0]
	if h.Session != "msg-1" || !strings.Contains(h.Text, "已登记第 1 次微党课 ✅（编号 #1）  \n讲课人：张三") || !strings.HasPrefix(h.Title, "已登记第 1 次微党课") {
		t.Fatalf("group reply %+v", h)
	}
	if f.acks[id][0] != 200 {
		t.Fatalf("ack %v", f.acks[id])
	}
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-2", "1", "/我"))
	f.waitFor("the 1:1 reply", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	if h := f.hooks[1]; h.Session != "msg-2" || !strings.Contains(h.Text, "dingtalk:manager123（系统管理员）") {
		t.Fatalf("1:1 reply %+v", h)
	}
	if testbot.Lectures(t, st) != 1 {
		t.Fatal("lecture not stored")
	}
}

// The same frame delivered twice: one entry; the second delivery is acked
// too and gets the same confirmation.
func TestRedelivery(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	msg := f.robotMessage("msg-dup", "2", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	a := f.push("CALLBACK", "/v1.0/im/bot/messages/get", msg)
	b := f.push("CALLBACK", "/v1.0/im/bot/messages/get", msg)
	f.waitFor("both acks and replies", 5*time.Second, func() bool { return len(f.acks[a]) == 1 && len(f.acks[b]) == 1 && len(f.hooks) == 2 })
	if f.hooks[0].Text != f.hooks[1].Text || !strings.Contains(f.hooks[0].Text, "已登记第 1 次") {
		t.Fatalf("replies %q / %q", f.hooks[0].Text, f.hooks[1].Text)
	}
	if testbot.Lectures(t, st) != 1 {
		t.Fatal("the redelivered message was logged twice")
	}
}

// Malformed data, pictures, audio and empty text are acknowledged without
// storing anything; a hint goes back where a reply makes sense.
func TestOddFrames(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	bad := f.pushRaw("CALLBACK", "/v1.0/im/bot/messages/get", `{"conversationId": [`)
	pic := f.robotMessage("msg-pic", "2", "")
	pic["msgtype"], pic["content"] = "picture", map[string]string{"downloadCode": "x"}
	p := f.push("CALLBACK", "/v1.0/im/bot/messages/get", pic)
	audio := f.robotMessage("msg-audio", "1", "")
	audio["msgtype"], audio["content"] = "audio", map[string]string{"recognition": "统计"}
	au := f.push("CALLBACK", "/v1.0/im/bot/messages/get", audio)
	empty := f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-empty", "2", " "))
	unknown := f.push("SYSTEM", "KEEPALIVE", map[string]string{})
	f.waitFor("acks and hints", 5*time.Second, func() bool {
		return len(f.acks[bad]) == 1 && len(f.acks[p]) == 1 && len(f.acks[au]) == 1 && len(f.acks[empty]) == 1 && len(f.acks[unknown]) == 1 && len(f.hooks) == 3
	})
	texts := f.hookTexts()
	if !contains(texts, "目前只能识别文字") || !contains(texts, "你好，我是党课助手") {
		t.Fatalf("hints %q", texts)
	}
	if f.acks[bad][0] != 200 || f.acks[unknown][0] != 404 {
		t.Fatalf("acks %v %v", f.acks[bad], f.acks[unknown])
	}
	if testbot.Lectures(t, st) != 0 {
		t.Fatal("something was stored")
	}
}

// An expired sessionWebhook (200 with errcode 300001) falls back to the
// OpenAPI group send.
func TestExpiredWebhookFallsBack(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	f.mu.Lock()
	f.expired["msg-old"] = true
	f.mu.Unlock()
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-old", "2", "/统计"))
	f.waitFor("the group send", 5*time.Second, func() bool { return len(f.sends) == 1 })
	s := f.sends[0]
	if s.Path != "/v1.0/robot/groupMessages/send" || s.Conversation != "cidGroup1==" || s.Key != "sampleMarkdown" || !strings.Contains(s.Param, "📊") {
		t.Fatalf("send %+v", s)
	}
}

// Notify reaches a bound group through the OpenAPI; a token the server
// stops accepting halfway is replaced once and the send goes through.
// Files go through the media upload and sampleFile.
func TestNotifyWithExpiringToken(t *testing.T) {
	f := newFake(t)
	a, err := dingtalk.New(dingtalk.Config{ClientID: f.id, ClientSecret: f.key, OpenAPIHost: f.srv.URL, OAPIHost: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	group := dangke.ChatRef{Platform: "dingtalk", ID: "cidGroup1==", Group: true}
	if err := a.Notify(ctx, group, &dangke.Reply{Text: "第一周周报\n微党课 12 次"}); err != nil {
		t.Fatal(err)
	}
	f.expireTokens()
	if err := a.Notify(ctx, group, &dangke.Reply{Text: "第二周周报", Files: []dangke.File{{Name: "附件1.xlsx", Data: []byte("PK")}}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued != 2 || len(f.sends) != 3 {
		t.Fatalf("tokens issued %d, sends %+v", f.issued, f.sends)
	}
	if f.sends[0].Token != "token-1" || f.sends[1].Token != "token-2" || !strings.Contains(f.sends[0].Param, `"title":"第一周周报"`) {
		t.Fatalf("sends %+v", f.sends)
	}
	if f.sends[2].Key != "sampleFile" || !strings.Contains(f.sends[2].Param, `"mediaId":"@lAzMedia1"`) || !strings.Contains(f.sends[2].Param, `"fileType":"xlsx"`) {
		t.Fatalf("file send %+v", f.sends[2])
	}
	if len(f.uploads) != 1 || f.uploads[0] != "附件1.xlsx:PK" {
		t.Fatalf("uploads %q", f.uploads)
	}
	if err := a.Notify(ctx, dangke.ChatRef{Platform: "dingtalk", ID: "cidPrivate1=="}, &dangke.Reply{Text: "x"}); err == nil {
		t.Fatal("a 1:1 chat was notified")
	}
}

// The gateway closes the socket mid-conversation: the adapter reconnects and
// the next message is answered; the acknowledged entry is kept.
func TestReconnectAfterDrop(t *testing.T) {
	r, st := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("m1", "2", "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitFor("the first reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	f.dropConnection()
	f.waitFor("a new connection", 15*time.Second, func() bool { return f.connects == 2 && f.conn != nil })
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("m2", "2", "/党课 李四 党员 《初心》 7月2日 30人"))
	f.waitFor("the second reply", 5*time.Second, func() bool { return len(f.hooks) == 2 })
	if !strings.Contains(f.hookTexts()[1], "已登记第 2 次") || testbot.Lectures(t, st) != 2 {
		t.Fatalf("after reconnect: %q", f.hookTexts())
	}
}

// The gateway sends disconnect: the adapter acknowledges it, reconnects and
// answers the next message.
func TestDisconnectFrame(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	id := f.push("SYSTEM", "disconnect", map[string]string{"reason": "persistent connection is timeout"})
	f.waitFor("the ack and a new connection", 15*time.Second, func() bool { return len(f.acks[id]) == 1 && f.connects == 2 && f.conn != nil })
	ping := f.push("SYSTEM", "ping", map[string]string{"opaque": "123-abc"})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("m3", "2", "/统计"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 && len(f.acks[ping]) == 1 })
}

// A gateway that stops answering pings is given up on and reconnected.
func TestSilentGatewayReconnects(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the SDK's 3 s keepalive, 5 s pong timeout and 3 s backoff")
	}
	r, _ := setup(t)
	f := newFake(t)
	f.silentPings = true
	run(t, f, r, dingtalk.Config{KeepAlive: 3 * time.Second})
	f.mu.Lock()
	f.silentPings = false // the next connection is healthy
	f.mu.Unlock()
	f.waitFor("a new connection after the ping timeout", 20*time.Second, func() bool { return f.connects == 2 && f.conn != nil })
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("m4", "2", "/统计"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
}

// Wrong credentials: Run keeps retrying without crashing and stops with ctx.
func TestBadCredentials(t *testing.T) {
	f := newFake(t)
	a, err := dingtalk.New(dingtalk.Config{ClientID: f.id, ClientSecret: "wrong", OpenAPIHost: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := a.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if f.connects != 0 {
		t.Fatal("connected with a wrong secret")
	}
}

type longHandler struct{ text string }

func (h longHandler) Handle(context.Context, dangke.Request) (*dangke.Reply, error) {
	return &dangke.Reply{Text: h.text}, nil
}

// A reply over DingTalk's size limit arrives in parts, split at line ends,
// in order; a conversation outside allow_chats is acknowledged and ignored.
func TestLongReplyAndAllowList(t *testing.T) {
	var b strings.Builder
	for b.Len() < 12000 {
		b.WriteString(strings.Repeat("党", 30) + "\n")
	}
	text := strings.TrimSuffix(b.String(), "\n")
	f := newFake(t)
	run(t, f, longHandler{text}, dingtalk.Config{AllowChats: []string{"cidGroup1=="}})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("long-1", "2", "/帮助"))
	other := f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("other-1", "1", "/帮助")) // cidPrivate1== is not allowed
	f.waitFor("the parts and the ack", 5*time.Second, func() bool { return len(f.hooks) >= 3 && len(f.acks[other]) == 1 })
	parts := f.hookTexts()
	var joined []string
	for _, p := range parts {
		if len(p) > 5000+len(p)/30*3 { // markdown adds two spaces per line
			t.Fatalf("part of %d bytes", len(p))
		}
		joined = append(joined, strings.ReplaceAll(p, "  \n", "\n"))
	}
	if strings.Join(joined, "\n") != text {
		t.Fatalf("%d parts do not rebuild the reply", len(parts))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hooks {
		if h.Session != "long-1" {
			t.Fatalf("a message from outside allow_chats was answered: %+v", h)
		}
	}
}

// sdkLogs collects the SDK's log lines of the whole test run, at debug
// level, with the secret "s3cret-app-key" to redact.
var sdkLogs logBuffer

// TestMain routes the SDK's package-wide logger once, before any test
// starts an SDK client (setting it later races with their goroutines).
func TestMain(m *testing.M) {
	dingtalk.SetSDKLogger(slog.New(slog.NewTextHandler(&sdkLogs, &slog.HandlerOptions{Level: slog.LevelDebug})), "s3cret-app-key")
	os.Exit(m.Run())
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The connection ticket opens a Stream connection: the SDK's lines that
// carry it (the gateway's answer, "connect success, sessionId=[…]") appear
// at debug only, with the ticket and the secret replaced.
func TestTicketNotLogged(t *testing.T) {
	// The SDK's logger is package-wide: TestMain set it once, to sdkLogs,
	// before any SDK goroutine ran. Every SDK line of every test so far is
	// checked, not only this test's.
	logs := &sdkLogs
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, _ := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{Logger: log})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("msg-t", "2", "/统计"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	out := logs.String()
	if strings.Contains(out, "ticket-") || strings.Contains(out, "s3cret-app-key") {
		t.Fatalf("a ticket or the secret was logged:\n%s", out)
	}
	sawTicket := false
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "<ticket>") {
			continue
		}
		sawTicket = true
		if !strings.Contains(line, "level=DEBUG") {
			t.Fatalf("a line about the ticket above debug: %s", line)
		}
	}
	if !sawTicket || !strings.Contains(out, "sessionId=[<ticket>]") {
		t.Fatalf("the redacted lines are missing:\n%s", out)
	}
}

// casesHandler answers "case N" with the text of case N.
type casesHandler []string

func (h casesHandler) Handle(_ context.Context, req dangke.Request) (*dangke.Reply, error) {
	var n int
	if _, err := fmt.Sscanf(req.Text, "case %d", &n); err != nil || n < 0 || n >= len(h) {
		return &dangke.Reply{Text: "?"}, nil
	}
	return &dangke.Reply{Text: h[n]}, nil
}

// Text members typed (titles, names, units) reaches DingTalk as markdown
// that shows it as typed: no link, picture, tag, heading or emphasis of
// theirs renders; characters markdown would not read are left alone.
func TestMarkdownEscaping(t *testing.T) {
	const z, nb = "\u200b", "\u00a0"
	cases := []struct{ name, in, title, body string }{
		{"link", "题目：《[领补贴](http://x)》", "题目：《[领补贴](http://x)》", "题目：《[领补贴] (http://x)》"},
		{"image", "![](http://x/b.png) 看图", "![](http://x/b.png) …", "![] (http://x/b.png) 看图"},
		{"reference", "[领补贴][1]\n[1]: http://x", "[领补贴][1]", "[领补贴] [1]  \n[1] : http://x"},
		{"tags", `<a href="http://x">领</a> <font color=red>红</font> <@all> <http://x> 1<2`, `<a href="http://x">领…`,
			`< a href="http://x">领< /a> < font color=red>红< /font> < @all> < http://x> 1<2`},
		{"blocks", "# 标题\n> 引用\n- 列表\n1. 第一\n  缩进\n---\n#9 张三", "# 标题",
			z + "# 标题  \n" + z + "> 引用  \n" + z + "- 列表  \n" + z + "1. 第一  \n" + nb + nb + "缩进  \n" + z + "---  \n" + z + "#9 张三"},
		{"emphasis", "**粗** _斜_ `码` ~~删~~", "**粗** _斜_ `码` ~~删~~", "\\*\\*粗\\*\\* \\_斜\\_ \\`码\\` \\~\\~删\\~\\~"},
		{"single", "3*4 得 12，user_1，2019-07-01", "3*4 得 12，user_1，2019…", "3*4 得 12，user_1，2019-07-01"},
		{"backslash", `C:\文件 \*星\* \d`, `C:\文件 \*星\* \d`, `C:\文件 \\\*星\\\* \d`},
		{"entity", "&amp; &#60; a & b", "&amp; &#60; a & b", "&" + z + "amp; &" + z + "#60; a & b"},
		{"plain", "📊 温县/城关镇 · 累计\n已登记第 1 次微党课 ✅（编号 #1）", "📊 温县/城关镇 · 累计", "📊 温县/城关镇 · 累计  \n已登记第 1 次微党课 ✅（编号 #1）"},
	}
	texts := make(casesHandler, len(cases))
	for i, c := range cases {
		texts[i] = c.in
	}
	f := newFake(t)
	run(t, f, texts, dingtalk.Config{})
	for i, c := range cases {
		f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage(fmt.Sprintf("md-%d", i), "2", fmt.Sprintf("case %d", i)))
		f.waitFor(c.name, 5*time.Second, func() bool { return len(f.hooks) == i+1 })
		f.mu.Lock()
		h := f.hooks[i]
		f.mu.Unlock()
		if h.Text != c.body || h.Title != c.title {
			t.Errorf("%s:\n got %q / %q\nwant %q / %q", c.name, h.Title, h.Text, c.title, c.body)
		}
	}
}

// A lecture logged with a link for a title: the confirmation in the group
// shows the brackets, not a link.
func TestMarkdownEscapingEndToEnd(t *testing.T) {
	r, _ := setup(t)
	f := newFake(t)
	run(t, f, r, dingtalk.Config{})
	f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage("md-e2e", "2", "/党课 张三 支部书记 [领补贴](http://x) 7月1日 45人"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.hooks) == 1 })
	if text := f.hookTexts()[0]; strings.Contains(text, "](") || !strings.Contains(text, "[领补贴] (http://x)") {
		t.Fatalf("reply %q", text)
	}
}

// burstHandler answers "/导出 N" with a text and a file, anything else with a text.
type burstHandler struct{}

func (burstHandler) Handle(_ context.Context, req dangke.Request) (*dangke.Reply, error) {
	time.Sleep(20 * time.Millisecond)
	if n, ok := strings.CutPrefix(req.Text, "/导出 "); ok {
		return &dangke.Reply{Text: "导出 " + n, Files: []dangke.File{{Name: "附件1-" + n + ".xlsx", Data: []byte("PK" + n)}}}, nil
	}
	return &dangke.Reply{Text: "收到 " + req.Text}, nil
}

// The WeCom stall under a burst (a reader waiting for a work slot while the
// handlers wait for acks only it can read) has no counterpart here: the SDK
// reads without waiting and replies go out over HTTP. Two hundred messages
// at once, half of them exports: every frame is acknowledged once, every
// text and every file arrives.
func TestBurstOfMessages(t *testing.T) {
	f := newFake(t)
	run(t, f, burstHandler{}, dingtalk.Config{MaxInFlight: 256})
	const n = 200
	var ids []string
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("/统计 %d", i)
		if i%2 == 0 {
			text = fmt.Sprintf("/导出 %d", i)
		}
		ids = append(ids, f.push("CALLBACK", "/v1.0/im/bot/messages/get", f.robotMessage(fmt.Sprintf("burst-%d", i), "2", text)))
	}
	f.waitFor("every ack, text and file", 60*time.Second, func() bool {
		for _, id := range ids {
			if len(f.acks[id]) != 1 {
				return false
			}
		}
		files := 0
		for _, s := range f.sends {
			if s.Key == "sampleFile" {
				files++
			}
		}
		return len(f.hooks) == n && files == n/2
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, h := range f.hooks {
		seen[h.Text] = true
	}
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("收到 /统计 %d", i)
		if i%2 == 0 {
			want = fmt.Sprintf("导出 %d", i)
		}
		if !seen[want] {
			t.Fatalf("no reply %q", want)
		}
	}
	if len(f.uploads) != n/2 {
		t.Fatalf("%d uploads", len(f.uploads))
	}
}
