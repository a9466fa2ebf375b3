package wecom_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/internal/slowloris"
	"dangke/bot/wecom"
	"dangke/commands"
	"dangke/internal/testbot"
	"dangke/store"
)

func setup(t testing.TB) (*commands.Router, *store.Store) {
	return testbot.Router(t, "wecom", "g1", "zhangsan")
}

func lectures(t testing.TB, st *store.Store) int { return testbot.Lectures(t, st) }

// run starts a long-connection adapter on the fake and waits for it to subscribe.
func run(t testing.TB, f *fakeWeCom, h dangke.Handler) *wecom.Adapter {
	a, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL, Heartbeat: time.Second})
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
	f.waitFor("the subscription", 5*time.Second, func() bool { return f.conn != nil })
	for i := 0; !a.Connected(); i++ { // the adapter has read the subscribe ack
		if i == 500 {
			t.Fatal("adapter not connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return a
}

func streamContent(t testing.TB, fr wsFrame) string {
	var body struct {
		MsgType string `json:"msgtype"`
		Stream  struct {
			Finish  bool   `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(fr.Body, &body); err != nil || (body.MsgType != "stream" && body.MsgType != "stream_with_template_card") || !body.Stream.Finish {
		t.Fatalf("not a finished stream: %s", fr.Body)
	}
	return body.Stream.Content
}

// A group command (with the @mention WeCom leaves in the text) is answered
// on its req_id; the same callback again is not logged twice; a malformed
// frame is ignored.
func TestLongConnection(t *testing.T) {
	r, st := setup(t)
	f := newFakeWeCom(t)
	run(t, f, r)
	id := f.push("aibot_msg_callback", groupMessage("m1", "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 1 })
	resp := f.responses("aibot_respond_msg")[0]
	if resp.Headers["req_id"] != id || !strings.Contains(streamContent(t, resp), "已登记第 1 次微党课") {
		t.Fatalf("reply %s %s", resp.Headers, resp.Body)
	}
	f.push("aibot_msg_callback", groupMessage("m1", "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.pushRaw(`{"cmd":"aibot_msg_callback","headers":`)
	f.push("aibot_msg_callback", groupMessage("m2", "@党课助手 /统计"))
	f.waitFor("the next reply", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 2 })
	if got := streamContent(t, f.responses("aibot_respond_msg")[1]); !strings.Contains(got, "📊") {
		t.Fatalf("second reply %q", got)
	}
	if lectures(t, st) != 1 {
		t.Fatal("the duplicate callback was logged")
	}
	var sub map[string]string
	_ = json.Unmarshal(f.responses("aibot_subscribe")[0].Body, &sub)
	if sub["bot_id"] != "BOTID" || sub["secret"] != "bot-secret-1" {
		t.Fatalf("subscribe %v", sub)
	}
}

// The socket drops mid-conversation: the adapter reconnects and answers.
func TestReconnect(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	run(t, f, r)
	f.drop()
	f.waitFor("a new subscription", 10*time.Second, func() bool { return f.connects == 2 && f.conn != nil })
	f.push("aibot_msg_callback", groupMessage("m3", "@党课助手 /我"))
	f.waitFor("the reply", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 1 })
}

// disconnected_event: another instance took over; this one does not fight back.
func TestKickedOff(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	run(t, f, r)
	f.push("aibot_event_callback", map[string]any{"msgid": "e1", "msgtype": "event", "from": map[string]string{"userid": "sys"},
		"event": map[string]string{"eventtype": "disconnected_event"}})
	time.Sleep(2500 * time.Millisecond) // longer than the first reconnect backoff
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.connects != 1 {
		t.Fatalf("reconnected %d times after being kicked off", f.connects-1)
	}
}

// Notify goes over the long connection while it is up (files by chunked
// upload), and through the group robot webhook from a process that never
// opened one.
func TestNotify(t *testing.T) {
	r, _ := setup(t)
	f := newFakeWeCom(t)
	a := run(t, f, r)
	group := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true, Webhook: "hook-key-1"}
	if err := a.Notify(context.Background(), group, &dangke.Reply{Text: "周报", Files: []dangke.File{{Name: "附件1.xlsx", Data: []byte("PK-data")}}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	sends, chunks := f.responses("aibot_send_msg"), f.responses("aibot_upload_media_chunk")
	f.mu.Unlock()
	if len(sends) != 2 || !strings.Contains(string(sends[0].Body), `"content":"周报"`) || !strings.Contains(string(sends[1].Body), "media-ws-1") || len(chunks) != 1 {
		t.Fatalf("sends %d chunks %d", len(sends), len(chunks))
	}
	// A second process: no long connection, so the group robot.
	cli, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Notify(context.Background(), group, &dangke.Reply{Text: "周报二", Files: []dangke.File{{Name: "附件2.xlsx", Data: []byte("PK-data-2")}}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.connects != 1 || len(f.hookSends) != 2 || f.hookSends[0] != "周报二" || f.hookSends[1] != "file:media-hook-1" || f.uploads[0] != "附件2.xlsx:PK-data-2" {
		t.Fatalf("connects %d hook %q uploads %q", f.connects, f.hookSends, f.uploads)
	}
	if err := cli.Notify(context.Background(), dangke.ChatRef{Platform: "wecom", ID: "g2", Group: true}, &dangke.Reply{Text: "x"}); err == nil {
		t.Fatal("a chat with no route was notified")
	}
}

// Thirty digests to one group robot with a limit of 20 per window: all
// arrive, in order, none before its turn.
func TestWebhookRateLimit(t *testing.T) {
	f := newFakeWeCom(t)
	f.window = 400 * time.Millisecond
	a, err := wecom.New(wecom.Config{BotID: "x", Secret: "y", WebhookHost: f.hook.URL, WebhookLimit: 20, WebhookWindow: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	group := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true, Webhook: "hook-key-1"}
	start := time.Now()
	for i := 0; i < 30; i++ {
		if err := a.Notify(context.Background(), group, &dangke.Reply{Text: fmt.Sprintf("周报 %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) < 400*time.Millisecond {
		t.Fatal("thirty messages went out inside one window")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hookSends) != 30 || f.hookSends[29] != "周报 29" {
		t.Fatalf("%d delivered: %q", len(f.hookSends), f.hookSends)
	}
}

// The callback URL mode: verification, an encrypted command and its
// encrypted stream reply, and refusals of a wrong signature and a tampered
// ciphertext.
func TestCallbackMode(t *testing.T) {
	r, st := setup(t)
	const token, aesKey = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srvLn := httptest.NewUnstartedServer(nil).Listener // a loopback listener
	a, err := wecom.New(wecom.Config{Callback: wecom.CallbackConfig{Token: token, EncodingAESKey: aesKey, Listener: srvLn}})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Run(ctx, r) }()
	base := "http://" + srvLn.Addr().String() + "/wecom"
	kit := newDriver(token, aesKey)
	now := strconv.FormatInt(time.Now().Unix(), 10)
	// URL verification.
	echo := kit.seal(t, "1616140317555161061")
	resp := get(t, base+kit.query(now, "263014780", echo)+"&echostr="+urlEscape(echo))
	if resp != "1616140317555161061" {
		t.Fatalf("echo %q", resp)
	}
	// A command.
	body := groupMessage("cb-1", "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人")
	raw, _ := json.Marshal(body)
	enc := kit.seal(t, string(raw))
	status, out := post(t, base+kit.query(now, "nonce123", enc), enc)
	if status != 200 {
		t.Fatalf("status %d %s", status, out)
	}
	var reply struct{ Encrypt, Msgsignature, Timestamp, Nonce string }
	if err := json.Unmarshal([]byte(out), &reply); err != nil || reply.Msgsignature != kit.sign(reply.Timestamp, reply.Nonce, reply.Encrypt) {
		t.Fatalf("reply %s", out)
	}
	plain := kit.open(t, reply.Encrypt)
	if !strings.Contains(plain, `"msgtype":"stream"`) || !strings.Contains(plain, `"finish":true`) || !strings.Contains(plain, "已登记第 1 次微党课") {
		t.Fatalf("plain %s", plain)
	}
	// The same callback again: an empty 200, nothing logged twice.
	if status, out := post(t, base+kit.query(now, "nonce123", enc), enc); status != 200 || out != "" || lectures(t, st) != 1 {
		t.Fatalf("repeat: %d %q", status, out)
	}
	// A wrong signature and a tampered ciphertext.
	if status, _ := post(t, base+"?msg_signature=0000&timestamp="+now+"&nonce=2", enc); status != http.StatusForbidden {
		t.Fatalf("wrong signature: %d", status)
	}
	bad := "A" + enc[1:]
	if status, _ := post(t, base+kit.query(now, "nonce123", bad), bad); status != http.StatusBadRequest {
		t.Fatalf("tampered: %d", status)
	}
	short := enc[:len(enc)-8] + "AAAA"
	if status, _ := post(t, base+kit.query(now, "2", short), short); status != http.StatusBadRequest {
		t.Fatalf("short: %d", status)
	}
}

// driver is the test's side of the callback crypto, written independently
// of the adapter's from the protocol notes.
type driver struct {
	token string
	kit   *wecom.TestKit
}

func newDriver(token, aesKey string) *driver {
	return &driver{token: token, kit: wecom.NewTestKit(token, aesKey)}
}

func (d *driver) sign(parts ...string) string {
	all := append([]string{d.token}, parts...)
	sort.Strings(all)
	sum := sha1.Sum([]byte(strings.Join(all, "")))
	return hex.EncodeToString(sum[:])
}

func (d *driver) query(ts, nonce, enc string) string {
	return "?msg_signature=" + d.sign(ts, nonce, enc) + "&timestamp=" + ts + "&nonce=" + nonce
}

func (d *driver) seal(t *testing.T, s string) string {
	enc, err := d.kit.Encrypt(s)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func (d *driver) open(t *testing.T, enc string) string {
	s, err := d.kit.Decrypt(enc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func urlEscape(s string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(s)
}

func get(t *testing.T, u string) string {
	resp, err := http.Get(u)
	for i := 0; err != nil && i < 50; i++ { // the server starts with Run
		time.Sleep(20 * time.Millisecond)
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

func post(t *testing.T, u, enc string) (int, string) {
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	resp, err := http.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, strings.TrimSpace(b.String())
}

// burstHandler answers like the bot does under load: "/导出 N" with a text
// and a file after some work, anything else with a text.
type burstHandler struct{}

func (burstHandler) Handle(ctx context.Context, req dangke.Request) (*dangke.Reply, error) {
	time.Sleep(50 * time.Millisecond) // a database write, a spreadsheet
	if n, ok := strings.CutPrefix(req.Text, "/导出 "); ok {
		return &dangke.Reply{Text: "导出 " + n, Files: []dangke.File{{Name: "附件1-" + n + ".xlsx", Data: bytes.Repeat([]byte("PK"), 1000)}}}, nil
	}
	return &dangke.Reply{Text: "收到 " + req.Text}, nil
}

// Two hundred messages at once, half of them exports whose reply is a text
// and an uploaded file: every text and every file arrives on its req_id,
// the heartbeat goes on, and the connection is never dropped. (The reader
// used to wait for a work slot while every busy handler waited for an ack
// only the reader could read.)
func TestBurstOfMessages(t *testing.T) {
	f := newFakeWeCom(t)
	a, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), WebhookHost: f.hook.URL, Heartbeat: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, burstHandler{}) }()
	defer func() { cancel(); <-done }()
	f.waitFor("the subscription", 5*time.Second, func() bool { return f.conn != nil })
	for !a.Connected() {
		time.Sleep(10 * time.Millisecond)
	}
	f.mu.Lock()
	pingsBefore := f.pings
	f.mu.Unlock()
	const n = 200
	exports := map[string]string{} // req_id -> n
	texts := map[string]bool{}
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("/统计 %d", i)
		if i%2 == 0 {
			text = fmt.Sprintf("/导出 %d", i)
		}
		id := f.push("aibot_msg_callback", groupMessage(fmt.Sprintf("burst-%d", i), "@党课助手 "+text))
		if i%2 == 0 {
			exports[id] = fmt.Sprint(i)
		} else {
			texts[id] = true
		}
	}
	f.waitFor("every text and file", 60*time.Second, func() bool {
		streams, files := 0, 0
		for _, fr := range f.responses("aibot_respond_msg") {
			if strings.Contains(string(fr.Body), `"msgtype":"stream"`) {
				streams++
			} else {
				files++
			}
		}
		return streams == n && files == n/2
	})
	f.waitFor("heartbeats after the burst", 5*time.Second, func() bool { return f.pings >= pingsBefore+2 })
	f.mu.Lock()
	defer f.mu.Unlock()
	gotText, gotFile := map[string]string{}, map[string]int{}
	for _, fr := range f.responses("aibot_respond_msg") {
		id := fr.Headers["req_id"]
		if strings.Contains(string(fr.Body), `"msgtype":"stream"`) {
			gotText[id] = streamContent(t, fr)
		} else if strings.Contains(string(fr.Body), `"media_id":"media-ws-1"`) {
			gotFile[id]++
		}
	}
	for id, i := range exports {
		if gotText[id] != "导出 "+i || gotFile[id] != 1 {
			t.Fatalf("export %s (%s): text %q, %d files", i, id, gotText[id], gotFile[id])
		}
	}
	for id := range texts {
		if !strings.HasPrefix(gotText[id], "收到 /统计 ") || gotFile[id] != 0 {
			t.Fatalf("message %s: %q, %d files", id, gotText[id], gotFile[id])
		}
	}
	if got := len(f.responses("aibot_upload_media_finish")); got != n/2 {
		t.Fatalf("%d uploads finished", got)
	}
	if f.connects != 1 {
		t.Fatalf("the connection was dropped during the burst: %d connections", f.connects)
	}
}

const testToken, testAESKey = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

// runCallback starts a callback-mode adapter on loopback and returns its URL.
func runCallback(t *testing.T, h dangke.Handler, limits bot.ServerLimits) string {
	ln := httptest.NewUnstartedServer(nil).Listener
	a, err := wecom.New(wecom.Config{Callback: wecom.CallbackConfig{Token: testToken, EncodingAESKey: testAESKey, Listener: ln, Limits: limits}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String() + "/wecom"
}

// A callback is refused unless its (signed) timestamp is within five
// minutes of now, so a recorded callback cannot be replayed later.
func TestCallbackTimestampWindow(t *testing.T) {
	r, st := setup(t)
	base := runCallback(t, r, bot.ServerLimits{})
	kit := newDriver(testToken, testAESKey)
	now := time.Now()
	for i, c := range []struct {
		offset time.Duration
		want   int
	}{
		{-6 * time.Minute, http.StatusForbidden},
		{6 * time.Minute, http.StatusForbidden},
		{-24 * time.Hour, http.StatusForbidden},
		{-4 * time.Minute, http.StatusOK},
		{4 * time.Minute, http.StatusOK},
	} {
		raw, _ := json.Marshal(groupMessage(fmt.Sprintf("ts-%d", i), "@党课助手 /统计"))
		enc := kit.seal(t, string(raw))
		ts := strconv.FormatInt(now.Add(c.offset).Unix(), 10)
		var status int
		for try := 0; try < 50; try++ { // the server starts with Run
			if status = tryPost(base+kit.query(ts, "n1", enc), enc); status != 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if status != c.want {
			t.Errorf("timestamp %s from now: %d, want %d", c.offset, status, c.want)
		}
	}
	echo := kit.seal(t, "123")
	old := strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)
	if resp, err := http.Get(base + kit.query(old, "n2", echo) + "&echostr=" + urlEscape(echo)); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an old URL verification: %v %v", resp, err)
	}
	if lectures(t, st) != 0 {
		t.Fatal("something was stored")
	}
}

func tryPost(u, enc string) int {
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	resp, err := http.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Two hundred slow clients (half stuck in their headers, half in a body they
// announced much larger) do not keep the callback server from answering
// WeCom, and each is cut off within the read timeout; a body over the limit
// is refused with 413.
func TestCallbackSlowClients(t *testing.T) {
	r, _ := setup(t)
	base := runCallback(t, r, bot.ServerLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond})
	kit := newDriver(testToken, testAESKey)
	echo := kit.seal(t, "4242")
	verify := base + kit.query(strconv.FormatInt(time.Now().Unix(), 10), "n3", echo) + "&echostr=" + urlEscape(echo)
	if got := get(t, verify); got != "4242" { // the server is up
		t.Fatalf("verification %q", got)
	}
	attack := slowloris.Open(t, strings.TrimPrefix(strings.TrimSuffix(base, "/wecom"), "http://"), "/wecom", 200)
	cli := &http.Client{Timeout: 2 * time.Second}
	resp, err := cli.Get(verify)
	if err != nil {
		t.Fatalf("a normal request during the attack: %v", err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	if b.String() != "4242" {
		t.Fatalf("verification during the attack %q", b.String())
	}
	if held := attack.Released(3 * time.Second); held != 0 {
		t.Fatalf("%d slow connections still held after the read timeout", held)
	}
	// The size limit on a server with the default read timeout: under a
	// loaded machine 600 ms may end a 2 MB upload before its first megabyte.
	base = runCallback(t, r, bot.ServerLimits{})
	big, _ := json.Marshal(map[string]string{"encrypt": strings.Repeat("A", 2<<20)})
	resp, err = cli.Post(base+kit.query(strconv.FormatInt(time.Now().Unix(), 10), "n4", "x"), "application/json", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MB body: %d", resp.StatusCode)
	}
	// The same without a declared length (chunked).
	resp, err = cli.Post(base+kit.query(strconv.FormatInt(time.Now().Unix(), 10), "n5", "x"), "application/json", io.MultiReader(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MB chunked body: %d", resp.StatusCode)
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

// markdownCases are reply texts with member-typed markdown and what WeCom
// must be sent: no link, picture, tag, mention or block of theirs renders,
// and no backslash is used (WeCom does not honour them).
var markdownCases = []struct{ name, in, out string }{
	{"link", "题目：《[领补贴](http://x)》", "题目：《[领补贴] (http://x)》"},
	{"image", "![](http://x/b.png) 看图", "![] (http://x/b.png) 看图"},
	{"reference", "[领补贴][1]\n[1]: http://x", "[领补贴] [1]\n[1] : http://x"},
	{"tags", `<@all> <font color="warning">红</font> <a href="http://x">领</a> <http://x> 1<2`,
		`< @all> < font color="warning">红< /font> < a href="http://x">领< /a> < http://x> 1<2`},
	{"blocks", "# 标题\n> 引用\n- 列表\n1. 第一\n  缩进\n#9 张三",
		"\u200b# 标题\n\u200b> 引用\n\u200b- 列表\n\u200b1. 第一\n\u00a0\u00a0缩进\n\u200b#9 张三"},
	{"entity", "&amp; a & b", "&\u200bamp; a & b"},
	{"plain", "📊 温县/城关镇 · 累计\n加 **粗** 3*4 user_1 C:\\文件", "📊 温县/城关镇 · 累计\n加 **粗** 3*4 user_1 C:\\文件"},
}

// Over the long connection, the stream reply carries the defused text.
func TestMarkdownEscaping(t *testing.T) {
	texts := make(casesHandler, len(markdownCases))
	for i, c := range markdownCases {
		texts[i] = c.in
	}
	f := newFakeWeCom(t)
	run(t, f, texts)
	for i, c := range markdownCases {
		f.push("aibot_msg_callback", groupMessage(fmt.Sprintf("md-%d", i), fmt.Sprintf("@党课助手 case %d", i)))
		f.waitFor(c.name, 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == i+1 })
		f.mu.Lock()
		fr := f.responses("aibot_respond_msg")[i]
		f.mu.Unlock()
		want, _ := json.Marshal(c.out)
		if got := streamContent(t, fr); got != c.out || !strings.Contains(string(fr.Body), `"content":`+string(want)) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.out)
		}
	}
}

// Through the group robot and the callback URL the same rendering applies.
func TestMarkdownEscapingWebhookAndCallback(t *testing.T) {
	f := newFakeWeCom(t)
	a, err := wecom.New(wecom.Config{BotID: "x", Secret: "y", WebhookHost: f.hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	group := dangke.ChatRef{Platform: "wecom", ID: "g1", Group: true, Webhook: "hook-key-1"}
	for _, c := range markdownCases {
		if err := a.Notify(context.Background(), group, &dangke.Reply{Text: c.in}); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	for i, c := range markdownCases {
		if f.hookSends[i] != c.out {
			t.Errorf("group robot, %s:\n got %q\nwant %q", c.name, f.hookSends[i], c.out)
		}
	}
	f.mu.Unlock()

	texts := make(casesHandler, len(markdownCases))
	for i, c := range markdownCases {
		texts[i] = c.in
	}
	base := runCallback(t, texts, bot.ServerLimits{})
	kit := newDriver(testToken, testAESKey)
	for i, c := range markdownCases {
		raw, _ := json.Marshal(groupMessage(fmt.Sprintf("cbmd-%d", i), fmt.Sprintf("@党课助手 case %d", i)))
		enc := kit.seal(t, string(raw))
		var status int
		var out string
		for try := 0; try < 50; try++ { // the server starts with Run
			if status, out = post(t, base+kit.query(strconv.FormatInt(time.Now().Unix(), 10), "n5", enc), enc); status != 0 {
				break
			}
		}
		var reply struct{ Encrypt string }
		_ = json.Unmarshal([]byte(out), &reply)
		var inner struct {
			Stream struct{ Content string } `json:"stream"`
		}
		if err := json.Unmarshal([]byte(kit.open(t, reply.Encrypt)), &inner); err != nil || inner.Stream.Content != c.out {
			t.Errorf("callback, %s:\n got %q\nwant %q", c.name, inner.Stream.Content, c.out)
		}
	}
}

// gateHandler holds every message until the gate opens.
type gateHandler struct{ gate chan struct{} }

func (h gateHandler) Handle(ctx context.Context, req dangke.Request) (*dangke.Reply, error) {
	<-h.gate
	return &dangke.Reply{Text: "收到 " + req.Text}, nil
}

// Work is bounded off the reader: with one slot and one place in the queue,
// the other messages of a burst are dropped (and logged), while the reader
// goes on reading and the heartbeat goes on.
func TestBurstBeyondTheQueue(t *testing.T) {
	f := newFakeWeCom(t)
	a, err := wecom.New(wecom.Config{BotID: f.botID, Secret: f.secret, WSURL: f.wsURL(), Heartbeat: 100 * time.Millisecond, MaxInFlight: 1, MaxQueued: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := gateHandler{gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	defer func() { cancel(); <-done }()
	f.waitFor("the subscription", 5*time.Second, func() bool { return f.conn != nil })
	for !a.Connected() {
		time.Sleep(10 * time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		f.push("aibot_msg_callback", groupMessage(fmt.Sprintf("q-%d", i), fmt.Sprintf("@党课助手 /统计 %d", i)))
	}
	f.mu.Lock()
	pings := f.pings
	f.mu.Unlock()
	f.waitFor("heartbeats while the handler is stuck", 5*time.Second, func() bool { return f.pings >= pings+2 })
	close(h.gate)
	f.waitFor("two replies", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 2 })
	time.Sleep(200 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.responses("aibot_respond_msg")); n != 2 {
		t.Fatalf("%d replies, want 2 (one in flight, one queued)", n)
	}
}
