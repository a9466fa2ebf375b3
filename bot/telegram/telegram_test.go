package telegram_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"dangke"
	"dangke/bot"
	"dangke/bot/internal/slowloris"
	"dangke/bot/telegram"
	"dangke/commands"
	"dangke/internal/testbot"
	"dangke/store"
)

// newRouter returns the real router on a fresh database, with the test
// group bound to a branch and Ann (telegram:777) an admin.
func newRouter(t *testing.T) (*commands.Router, *store.Store) {
	return testbot.Router(t, "telegram", "-1001234567890", "777")
}

// start runs an adapter against a fake Bot API until the test ends.
func start(t *testing.T, h dangke.Handler, cfg telegram.Config) (*fakeAPI, *telegram.Adapter) {
	f := newFakeAPI(t)
	cfg.Token, cfg.APIURL = f.token, f.srv.URL
	cfg.PollTimeout = 2 * time.Second
	cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	cfg.Sleep = func(ctx context.Context, d time.Duration) error { return nil }
	ctx, cancel := context.WithCancel(context.Background())
	a, err := telegram.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return f, a
}

func TestCommandsInGroups(t *testing.T) {
	r, _ := newRouter(t)
	f, a := start(t, r, telegram.Config{Commands: []bot.CommandInfo{{Name: "stats", Description: "查看统计"}, {Name: "lecture", Description: "登记微党课"}}})
	if a.Username() != "DangkeBot" {
		t.Fatalf("username %q", a.Username())
	}
	f.push("message", message(1, group, "/stats"))
	f.push("message", message(2, group, "/stats@DangkeBot"))
	f.push("message", message(3, group, "/统计 本周"))
	f.push("message", message(4, group, "/stats@OtherBot"))
	f.push("message", message(5, group, "大家好 /stats"))
	f.push("message", message(6, group, ""))
	f.push("edited_message", message(1, group, "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.push("channel_post", map[string]any{"message_id": 9, "chat": map[string]any{"id": -100999, "type": "channel"}, "date": 1562727600, "text": "/stats"})
	photo := message(7, group, "")
	photo["photo"] = []map[string]any{{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}}
	photo["caption"] = "/stats"
	f.push("message", photo)
	// The photo whose caption is another command: the command runs, and
	// the reply says the photo was not kept.
	sent := f.waitSent(4)
	if len(f.quiet()) != 4 {
		t.Fatalf("messages sent: %+v", f.quiet())
	}
	for i, s := range sent {
		if s.ChatID != "-1001234567890" || s.ParseMode != "HTML" || !strings.Contains(s.Text, "📊 温县/城关镇/第一党支部") {
			t.Errorf("reply %d: %+v", i, s)
		}
	}
	// Workers answer in parallel: match replies to messages, not to order.
	byMsg := map[string]string{}
	for _, s := range sent {
		byMsg[s.ReplyTo] = s.Text
	}
	if len(byMsg) != 4 || byMsg["1"] == "" || byMsg["2"] == "" || !strings.Contains(byMsg["3"], "本周（7月8日至7月14日）") ||
		!strings.Contains(byMsg["7"], "随命令发来的文件没有保存") {
		t.Errorf("replies: %+v", sent)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.Contains(f.commands, `"command":"stats"`) || !strings.Contains(f.commands, "查看统计") {
		t.Errorf("setMyCommands got %s", f.commands)
	}
}

// A title with markup comes back escaped, in HTML parse mode.
func TestHTMLEscaping(t *testing.T) {
	r, _ := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.push("message", message(1, group, "/党课 张三 支部书记 《<b>&</b>》 7月1日 45人"))
	s := f.waitSent(1)[0]
	if !strings.Contains(s.Text, "题目：《&lt;b&gt;&amp;&lt;/b&gt;》") || strings.Contains(s.Text, "<b>") {
		t.Fatalf("text %q", s.Text)
	}
}

// A question the bot asks in a group is answered by replying to it.
func TestPromptAnsweredByReply(t *testing.T) {
	r, st := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.push("message", message(1, group, "/党课 张三 支部书记 《我和我的祖国》 7月1日"))
	q := f.waitSent(1)[0]
	if !strings.Contains(q.Text, "请发送听课人数") {
		t.Fatalf("question %q", q.Text)
	}
	answer := message(2, group, "45人")
	answer["reply_to_message"] = map[string]any{"message_id": 5001, "from": map[string]any{"id": 123456, "is_bot": true, "first_name": "党课助手", "username": "DangkeBot"},
		"chat": group, "date": 1562727600, "text": q.Text}
	f.push("message", answer)
	if s := f.waitSent(2)[1]; !strings.Contains(s.Text, "已登记第 1 次微党课") {
		t.Fatalf("answer: %q", s.Text)
	}
	if n := testbot.Lectures(t, st); n != 1 {
		t.Fatalf("%d lectures", n)
	}
}

// The same update delivered twice is logged once and answered once.
func TestDuplicateUpdate(t *testing.T) {
	r, st := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.push("message", message(1, group, "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"))
	f.waitSent(1)
	f.mu.Lock()
	f.redeliver = true // the next poll hands the confirmed update out again
	f.mu.Unlock()
	f.push("message", message(2, group, "/stats"))
	f.waitSent(2)
	if sent := f.quiet(); len(sent) != 2 {
		t.Fatalf("sent %+v", sent)
	}
	if n := testbot.Lectures(t, st); n != 1 {
		t.Fatalf("%d lectures", n)
	}
}

type longHandler struct{ text string }

func (h longHandler) Handle(context.Context, dangke.Request) (*dangke.Reply, error) {
	return &dangke.Reply{Text: h.text}, nil
}

// A 10,000-character reply arrives as several messages, in order, each
// under Telegram's limit, after waiting out a 429.
func TestLongReplyAndRateLimit(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 30000; i++ {
		b.WriteString(strings.Repeat("党", 40) + "\n")
	}
	text := strings.TrimSuffix(b.String(), "\n")
	f, _ := start(t, longHandler{text}, telegram.Config{})
	f.mu.Lock()
	f.fail429 = 1
	f.mu.Unlock()
	f.push("message", message(1, private, "/help"))
	f.waitSent(3)
	sent := f.quiet()
	var parts []string
	for _, s := range sent {
		if len([]rune(s.Text)) > 4096 {
			t.Fatalf("message of %d characters", len([]rune(s.Text)))
		}
		parts = append(parts, s.Text)
	}
	if strings.Join(parts, "\n") != text {
		t.Fatalf("%d messages do not rebuild the reply in order", len(parts))
	}
}

// Polling survives a 502 from a proxy and a malformed body.
func TestPollingRecovers(t *testing.T) {
	r, _ := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.mu.Lock()
	f.fail502, f.garbage = 2, 1
	f.mu.Unlock()
	f.push("message", message(1, group, "/stats"))
	if s := f.waitSent(1)[0]; !strings.Contains(s.Text, "📊") {
		t.Fatalf("%q", s.Text)
	}
}

// Notify posts to a chat id; files go as documents.
func TestNotifyAndFiles(t *testing.T) {
	r, _ := newRouter(t)
	f, a := start(t, r, telegram.Config{})
	err := a.Notify(context.Background(), dangke.ChatRef{Platform: "telegram", ID: "-1001234567890"},
		&dangke.Reply{Text: "本周周报", Files: []dangke.File{{Name: "附件1.xlsx", Data: []byte("PK..")}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.waitSent(1)[0]; s.Text != "本周周报" || s.ChatID != "-1001234567890" {
		t.Fatalf("%+v", s)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.docs) != 1 || f.docs[0].Name != "附件1.xlsx" || f.docs[0].Data != "PK.." {
		t.Fatalf("documents %+v", f.docs)
	}
	if err := a.Notify(context.Background(), dangke.ChatRef{Platform: "telegram", ID: "abc"}, &dangke.Reply{Text: "x"}); err == nil {
		t.Fatal("a non-numeric chat id was accepted")
	}
}

// In webhook mode the bot registers its URL and secret, refuses a post with
// the wrong secret with 401, and answers one with the right secret.
func TestWebhook(t *testing.T) {
	r, _ := newRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := start(t, r, telegram.Config{WebhookURL: "https://bot.example.org/tg", WebhookSecret: "s3cret_token", Listener: ln})
	url := "http://" + ln.Addr().String() + "/tg"
	body := `{"update_id":1,"message":{"message_id":1,"from":{"id":777,"is_bot":false,"first_name":"Ann"},` +
		`"chat":{"id":-1001234567890,"type":"supergroup","title":"g"},"date":1562727600,"text":"/stats"}}`
	post := func(secret string) int {
		var resp *http.Response
		for i := 0; i < 50; i++ { // the server starts with Run
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			if resp, err = http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				return resp.StatusCode
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal(err)
		return 0
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Fatalf("no secret: %d", code)
	}
	if len(f.quiet()) != 0 {
		t.Fatal("a post with a wrong secret was answered")
	}
	if code := post("s3cret_token"); code != http.StatusOK {
		t.Fatalf("right secret: %d", code)
	}
	if s := f.waitSent(1)[0]; !strings.Contains(s.Text, "📊") {
		t.Fatalf("%q", s.Text)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.webhook != "https://bot.example.org/tg" {
		t.Fatalf("setWebhook url %q", f.webhook)
	}
}

// Two hundred slow clients do not keep the webhook server from taking
// Telegram's post, each is cut off within the read timeout, and a body over
// the limit is refused with 413 (the library would read any size into memory).
func TestWebhookSlowClients(t *testing.T) {
	r, _ := newRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := start(t, r, telegram.Config{WebhookURL: "https://bot.example.org/tg", WebhookSecret: "s3cret_token", Listener: ln,
		WebhookLimits: bot.ServerLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond}})
	url := "http://" + ln.Addr().String() + "/tg"
	cli := &http.Client{Timeout: 2 * time.Second}
	post := func(body string) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
		resp, err := cli.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for i := 0; i < 50; i++ { // the server starts with Run
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	attack := slowloris.Open(t, ln.Addr().String(), "/tg", 200)
	update := `{"update_id":1,"message":{"message_id":1,"from":{"id":777,"is_bot":false,"first_name":"Ann"},` +
		`"chat":{"id":-1001234567890,"type":"supergroup","title":"g"},"date":1562727600,"text":"/stats"}}`
	if code, err := post(update); err != nil || code != http.StatusOK {
		t.Fatalf("a normal update during the attack: %d %v", code, err)
	}
	if s := f.waitSent(1)[0]; !strings.Contains(s.Text, "📊") {
		t.Fatalf("%q", s.Text)
	}
	if held := attack.Released(3 * time.Second); held != 0 {
		t.Fatalf("%d slow connections still held after the read timeout", held)
	}
	if code, err := post(`{"update_id":2,"message":{"text":"` + strings.Repeat("x", 2<<20) + `"}}`); err != nil || code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MB body: %d %v", code, err)
	}
}

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A webhook post the library cannot decode is logged in a short line, not
// with the whole body (what a member wrote) in it.
func TestWebhookUndecodableBodyNotLogged(t *testing.T) {
	r, _ := newRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	start(t, r, telegram.Config{WebhookURL: "https://bot.example.org/tg", WebhookSecret: "s3cret_token", Listener: ln,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	body := `{"update_id":"` + strings.Repeat("机密内容", 2000)
	for i := 0; i < 50; i++ { // the server starts with Run
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/tg", strings.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 100 && !strings.Contains(logs.String(), "telegram api"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, "telegram api") || len(out) > 1000 || strings.Count(out, "机密内容") > 30 {
		t.Fatalf("%d bytes logged: %.300s", len(out), out)
	}
}
