// Package dingtalk connects the bot to DingTalk (钉钉) as an internal
// enterprise robot in Stream mode, through the official
// github.com/open-dingtalk/dingtalk-stream-sdk-go (v0.9.2-beta.1: the
// keepalive crash of v0.9.1 is fixed there and writes are serialised).
//
// Messages arrive over the SDK's WebSocket; each is handed to the router,
// which returns once the entry is committed, and the frame is acknowledged
// right after — so DingTalk neither redelivers a message that was saved nor
// loses one that was not. The reply goes out from its own goroutine through
// the message's sessionWebhook, so the acknowledgement never waits for it;
// when the webhook has expired, through the OpenAPI group send. Proactive
// messages (digests, exports) use the OpenAPI with a cached access token.
package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	sdklog "github.com/open-dingtalk/dingtalk-stream-sdk-go/logger"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"

	"dangke"
	"dangke/bot"
)

// Platform is DingTalk's name in ChatRef and Person keys.
const Platform = "dingtalk"

// botTopic is the Stream topic of robot messages.
const botTopic = "/v1.0/im/bot/messages/get"

// maxText is the most bytes of markdown sent in one message; longer replies
// are split at line ends.
const maxText = 5000

// Config configures the adapter.
type Config struct {
	ClientID     string           // the app's ClientID (AppKey)
	ClientSecret string           // the app's ClientSecret; never logged
	RobotCode    string           // the robot's code; the ClientID when empty
	OpenAPIHost  string           // https://api.dingtalk.com
	OAPIHost     string           // https://oapi.dingtalk.com, for the media upload
	AllowChats   []string         // conversation ids the bot answers in; empty: all
	RobotName    string           // the robot's name in groups, for "@党课助手 1"; 党课助手 when empty
	RatePerSec   float64          // OpenAPI calls a second across the app; 20 (the standard edition's QPS) when 0
	MonthlyQuota int              // the organisation's metered calls a month, for `dangke status` (10000 on the free edition); 0: unknown
	KeepAlive    time.Duration    // idle time before the client pings the gateway; 0: the SDK's 120s
	MaxInFlight  int              // messages handled at once; more wait unacknowledged for redelivery
	HTTPClient   *http.Client     // for replies and the OpenAPI
	FileClient   *http.Client     // for downloading the files sent to the robot; a 2-minute timeout by default
	Outbox       bot.OutboxConfig // the reply outbox: replies marked sent, pending ones sent again
	Logger       *slog.Logger
}

// Adapter is the DingTalk robot.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	http   *http.Client
	files  *http.Client
	tokens tokenCache
	allow  map[string]bool

	handler dangke.Handler
	replies sync.WaitGroup // replies still being sent
	pace    *bot.Pacer     // quota.go: OpenAPI calls spaced within the app's rate
	quota   quota
	hooks   hooks // each group's latest sessionWebhook, for digests once the quota is used up
	out     *bot.Outbox

	beforeReply func() // a test hook: runs after the commit, before a saved reply is sent
}

// New checks the configuration and returns the adapter.
func New(cfg Config) (*Adapter, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("dingtalk: client_id and client_secret are required")
	}
	if cfg.RobotCode == "" {
		cfg.RobotCode = cfg.ClientID
	}
	if cfg.OpenAPIHost == "" {
		cfg.OpenAPIHost = "https://api.dingtalk.com"
	}
	if cfg.OAPIHost == "" {
		cfg.OAPIHost = "https://oapi.dingtalk.com"
	}
	cfg.OpenAPIHost = strings.TrimRight(cfg.OpenAPIHost, "/")
	cfg.OAPIHost = strings.TrimRight(cfg.OAPIHost, "/")
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 64
	}
	if cfg.RobotName == "" {
		cfg.RobotName = "党课助手"
	}
	if cfg.RatePerSec <= 0 {
		cfg.RatePerSec = 20
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = bot.HTTPClient(10*time.Second, cfg.MaxInFlight)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FileClient == nil {
		cfg.FileClient = &http.Client{Timeout: 2 * time.Minute}
	}
	a := &Adapter{cfg: cfg, log: cfg.Logger.With("platform", Platform), http: cfg.HTTPClient, files: cfg.FileClient, allow: map[string]bool{}}
	for _, id := range cfg.AllowChats {
		a.allow[id] = true
	}
	a.tokens = tokenCache{fetch: a.fetchToken}
	a.pace = bot.NewPacer(cfg.RatePerSec, int(cfg.RatePerSec), 0, 0)
	a.quota.limit = cfg.MonthlyQuota
	a.out = bot.NewOutbox(Platform, cfg.Outbox, a.log)
	a.out.Notify = a.Notify // digests kept in the outbox go out, and again, through Notify
	return a, nil
}

// Outbox is the adapter's outbox, through which proactive messages kept
// there (digests) are sent.
func (a *Adapter) Outbox() *bot.Outbox { return a.out }

// Name returns "dingtalk".
func (a *Adapter) Name() string { return Platform }

// Run connects to the Stream gateway and answers messages until ctx ends.
// The SDK reconnects with backoff when the socket drops, the gateway stops
// answering pings or sends disconnect; the first connection is retried here,
// since the SDK gives up on it.
func (a *Adapter) Run(ctx context.Context, h dangke.Handler) error {
	a.handler = h
	opts := []client.ClientOption{
		client.WithAppCredential(client.NewAppCredentialConfig(a.cfg.ClientID, a.cfg.ClientSecret)),
		client.WithOpenApiHost(a.cfg.OpenAPIHost),
		client.WithMaxPendingHandlers(a.cfg.MaxInFlight),
		client.WithAutoReconnect(true),
	}
	if a.cfg.KeepAlive > 0 {
		opts = append(opts, client.WithKeepAlive(a.cfg.KeepAlive))
	}
	cli := client.NewStreamClient(opts...)
	cli.RegisterRouter("CALLBACK", botTopic, a.onFrame)
	a.out.Recover(ctx) // before any frame: replies accepted before a crash are not sent again
	a.replies.Add(1)
	go func() {
		defer a.replies.Done()
		a.out.Run(ctx, a.resend)
	}()
	defer func() {
		cli.AutoReconnect = false
		cli.Close()
		a.replies.Wait()
		a.out.Close()
	}()
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := cli.Start(ctx)
		if err == nil {
			break
		}
		msg, _ := redactTicket(redact(err.Error(), a.cfg.ClientSecret), ticketPatterns())
		a.log.Error("cannot connect to the DingTalk Stream gateway; retrying", "err", msg, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	a.log.Info("connected to the DingTalk Stream gateway", "robot", a.cfg.RobotCode)
	<-ctx.Done()
	return nil
}

// message is the robot callback's data, the fields this bot reads.
type message struct {
	MsgID   string `json:"msgId"`
	MsgType string `json:"msgtype"`
	Text    struct {
		Content    string   `json:"content"`
		IsReplyMsg bool     `json:"isReplyMsg"`
		RepliedMsg *replied `json:"repliedMsg"`
	} `json:"text"`
	Content          json.RawMessage `json:"content"` // pictures, files, videos, rich text
	ConversationID   string          `json:"conversationId"`
	ConversationType string          `json:"conversationType"` // "1" 1:1, "2" group
	Title            string          `json:"conversationTitle"`
	SenderStaffID    string          `json:"senderStaffId"`
	SenderID         string          `json:"senderId"`
	SenderNick       string          `json:"senderNick"`
	SessionWebhook   string          `json:"sessionWebhook"`
	WebhookExpires   int64           `json:"sessionWebhookExpiredTime"`
	CreateAt         int64           `json:"createAt"`
	RobotCode        string          `json:"robotCode"`
	ChatbotUserID    string          `json:"chatbotUserId"`
	AtUsers          []struct {
		DingtalkID string `json:"dingtalkId"`
		StaffID    string `json:"staffId"`
	} `json:"atUsers"`
}

// mentioned are the people a message @-mentions besides the robot: those
// DingTalk names by staff id (people of the organisation).
func (m *message) mentioned() []dangke.Person {
	var out []dangke.Person
	for _, u := range m.AtUsers {
		if u.StaffID != "" && u.DingtalkID != m.ChatbotUserID {
			out = append(out, dangke.Person{Platform: Platform, ID: u.StaffID})
		}
	}
	return out
}

func (m *message) group() bool { return m.ConversationType == "2" }

// onFrame handles one robot message. Its return is the frame's ack.
func (a *Adapter) onFrame(ctx context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
	var m message
	if err := json.Unmarshal([]byte(df.Data), &m); err != nil || m.ConversationID == "" {
		// A frame we cannot read will not read better when redelivered.
		a.log.Warn("unreadable robot message acknowledged and dropped", "messageId", df.GetMessageId(), "err", err)
		return payload.NewSuccessDataFrameResponse(), nil
	}
	if len(a.allow) > 0 && !a.allow[m.ConversationID] {
		a.log.Info("message from a conversation not in allow_chats ignored", "conversation", m.ConversationID)
		return payload.NewSuccessDataFrameResponse(), nil
	}
	if m.MsgID == "" {
		m.MsgID = df.GetMessageId()
	}
	var reply *dangke.Reply
	text := m.Text.Content
	var files []dangke.Attachment
	readable := m.MsgType == "text"
	if !readable {
		text, files, readable = a.attachments(&m)
	}
	if !readable {
		reply = &dangke.Reply{Text: "目前只能识别文字、图片、视频和文件消息，请发送文字命令，例：/统计。发送 /帮助 查看全部命令。"}
	} else {
		if m.group() {
			a.hooks.note(m.ConversationID, m.SessionWebhook, time.UnixMilli(m.WebhookExpires))
		}
		sender := m.SenderStaffID
		if sender == "" {
			sender = m.SenderID
		}
		req := dangke.Request{
			Chat:  dangke.ChatRef{Platform: Platform, ID: m.ConversationID, Group: m.group(), Title: m.Title},
			From:  dangke.Person{Platform: Platform, ID: sender, Name: m.SenderNick},
			Text:  strings.TrimSpace(text),
			MsgID: m.MsgID,
			Time:  time.UnixMilli(m.CreateAt),
			Route: m.route(),

			Attachments: files,
			Quote:       m.Text.RepliedMsg.quoteText(),
			Mentioned:   m.mentioned(),
		}
		if m.CreateAt == 0 {
			req.Time = time.Time{}
		}
		var err error
		if reply, err = a.handler.Handle(ctx, req); err != nil {
			// Nothing was saved: answer 500 so that DingTalk may deliver it again.
			a.log.Error("handling a message failed", "conversation", m.ConversationID, "err", err)
			a.sendReply(m, reply)
			return nil, err
		}
	}
	a.sendReply(m, reply)
	return payload.NewSuccessDataFrameResponse(), nil
}

// sendReply sends a reply from its own goroutine, so that the frame is
// acknowledged without waiting for the webhook.
func (a *Adapter) sendReply(m message, reply *dangke.Reply) {
	if reply == nil {
		return
	}
	a.replies.Add(1)
	go func() {
		defer a.replies.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if !reply.Saved {
			if err := a.reply(ctx, &m, reply); err != nil {
				a.log.Error("reply failed", "conversation", m.ConversationID, "err", err)
			}
			return
		}
		// Through the outbox: not while this process sends it already (a
		// redelivery), and with at most its InFlight replies on their way.
		key := dangke.MessageKey{Platform: Platform, Chat: m.ConversationID, ID: m.MsgID}
		_, err := a.out.Send(ctx, dangke.Outgoing{Key: key, Kind: dangke.SendReply, Group: m.group(), Text: reply.Text},
			func(ctx context.Context) error {
				if a.beforeReply != nil {
					a.beforeReply()
				}
				return a.reply(ctx, &m, reply)
			})
		if err != nil {
			a.log.Error("reply failed", "conversation", m.ConversationID, "err", err)
		}
	}()
}

// route is what a reply needs to go out later: the conversation's kind,
// the sender to message in a 1:1 chat, the sessionWebhook and its expiry.
type route struct {
	Group   bool   `json:"g,omitempty"`
	Staff   string `json:"u,omitempty"`
	Webhook string `json:"w,omitempty"`
	Expires int64  `json:"x,omitempty"`
}

func (m *message) route() string {
	b, _ := json.Marshal(route{Group: m.group(), Staff: m.SenderStaffID, Webhook: m.SessionWebhook, Expires: m.WebhookExpires})
	return string(b)
}

// resend sends a pending reply again: through the message's sessionWebhook
// while it lives, else the OpenAPI group or 1:1 send.
func (a *Adapter) resend(ctx context.Context, o dangke.Outgoing) error {
	var r route
	if err := json.Unmarshal([]byte(o.Route), &r); err != nil {
		return fmt.Errorf("dingtalk: reply route of %s: %w", o.Key.ID, err)
	}
	m := message{MsgID: o.Key.ID, ConversationID: o.Key.Chat, ConversationType: "1", SenderStaffID: r.Staff,
		SessionWebhook: r.Webhook, WebhookExpires: r.Expires}
	if r.Group {
		m.ConversationType = "2"
	}
	if m.SessionWebhook != "" && m.WebhookExpires == 0 {
		m.SessionWebhook = "" // a webhook of unknown life is not trusted later
	}
	return a.reply(ctx, &m, &dangke.Reply{Text: o.Text})
}

// reply answers a message: through its sessionWebhook while that lives,
// else through the OpenAPI.
func (a *Adapter) reply(ctx context.Context, m *message, reply *dangke.Reply) error {
	for _, part := range split(withChoices(reply, m.group(), a.cfg.RobotName)) {
		viaWebhook := m.SessionWebhook != "" && (m.WebhookExpires == 0 || time.Now().Before(time.UnixMilli(m.WebhookExpires).Add(-time.Minute)))
		if viaWebhook {
			err := a.webhook(ctx, m.SessionWebhook, part)
			if err == nil {
				continue
			}
			a.log.Warn("sessionWebhook failed; using the OpenAPI", "conversation", m.ConversationID, "err", err)
		}
		if err := a.proactive(ctx, m, "sampleMarkdown", markdownParam(part)); err != nil {
			return err
		}
	}
	for _, f := range reply.Files {
		if err := a.sendFile(ctx, m, f); err != nil {
			return err
		}
	}
	return nil
}

// proactive sends a template message to the message's group, or to its
// sender in a 1:1 chat.
func (a *Adapter) proactive(ctx context.Context, m *message, key string, param any) error {
	if m.group() {
		return a.groupSend(ctx, m.ConversationID, key, param)
	}
	if m.SenderStaffID == "" {
		return errors.New("dingtalk: no staff id to message in a 1:1 chat")
	}
	return a.oneToOne(ctx, m.SenderStaffID, key, param)
}

// Notify sends a message to a bound group through the OpenAPI.
func (a *Adapter) Notify(ctx context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	if !chat.Group {
		return fmt.Errorf("dingtalk: notify: %s is a 1:1 chat; proactive messages go to groups", chat.ID)
	}
	m := &message{ConversationID: chat.ID, ConversationType: "2"}
	parts := split(reply.Text)
	at := staffIDs(reply.Mentions) // quota.go: the last part @-mentions them
	for i, part := range parts {
		var mention []string
		if i == len(parts)-1 {
			mention = at
		}
		// A live sessionWebhook costs no quota: used first, and the only
		// way once DingTalk has said the month's quota is used up.
		if url, ok := a.hooks.live(chat.ID, time.Now()); ok {
			if err := a.webhook(ctx, url, part, mention...); err == nil {
				continue
			}
		}
		p := markdownParam(part)
		p["text"] += atText(mention) // the template send has no at field: named in the text
		if err := a.groupSend(ctx, chat.ID, "sampleMarkdown", p); err != nil {
			return err
		}
	}
	for _, f := range reply.Files {
		if err := a.sendFile(ctx, m, f); err != nil {
			return err
		}
	}
	return nil
}

// split cuts text below DingTalk's size limit at line ends.
func split(text string) []string {
	if text == "" {
		return nil
	}
	return bot.Split(text, maxText)
}

// markdown renders plain reply text as DingTalk markdown: a title from the
// first line (DingTalk shows it as plain text in notifications), and a body
// that shows as typed, with every line break kept (markdown would join the
// lines). Members type parts of every reply, so nothing in it may become a
// link, a picture or formatting: see escape.
func markdown(text string) (title, body string) {
	first, _, _ := strings.Cut(text, "\n")
	return titleOf(first), strings.Join(strings.Split(escape(text), "\n"), "  \n")
}

// escape makes plain text show as typed in DingTalk markdown. Links,
// pictures, tags and line-start markers are defused without backslashes
// (bot.Defuse), so they stay safe even where a backslash is not honoured.
// DingTalk's markdown is taken to honour backslash escapes (widely used
// adapters such as Satori's rely on it; not checked on a live tenant here),
// so emphasis, code and strike-through characters get one, but only when the
// text holds two of them (one alone cannot pair up), and a backslash gets
// one only before punctuation, where markdown would read it as an escape.
func escape(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 8)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text) && isASCIIPunct(text[i+1]):
			b.WriteByte('\\')
		case strings.IndexByte("*_~`", c) >= 0 && strings.Count(text, text[i:i+1]) >= 2:
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return bot.Defuse(b.String())
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func titleOf(first string) string {
	r := []rune(strings.TrimSpace(first))
	if len(r) > 20 {
		r = append(r[:20], '…')
	}
	if len(r) == 0 {
		return "党课助手"
	}
	return string(r)
}

func markdownParam(text string) map[string]string {
	title, body := markdown(text)
	return map[string]string{"title": title, "text": body}
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "<secret>")
}

// SetSDKLogger routes the SDK's log lines to log, with secret and the
// connection ticket removed from them: the SDK logs the connection request
// body (with the secret) and the gateway's answer (with the ticket) at debug
// level, and the ticket again at info when it connects ("sessionId"). A line
// that carried the ticket is logged at debug only. The SDK's logger is
// package-wide, so call this once at start, before any adapter runs; without
// it the SDK logs nothing.
func SetSDKLogger(log *slog.Logger, secret string) {
	sdklog.SetLogger(sdkLogger{log: log.With("platform", Platform), secret: secret, tickets: ticketPatterns()})
}

// sdkLogger carries the SDK's log lines into slog, with the client secret
// and the connection ticket removed.
type sdkLogger struct {
	log     *slog.Logger
	secret  string
	tickets []*regexp.Regexp
}

// ticketPatterns match the places the SDK prints a connection ticket: the
// session id it logs on connecting, the gateway's JSON answer and the
// WebSocket URL. The first group is kept, the ticket replaced.
func ticketPatterns() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`(sessionId=\[)[^\]]*`),
		regexp.MustCompile(`("ticket"\s*:\s*")[^"]*`),
		regexp.MustCompile(`(ticket=)[^&\s"\]]+`),
	}
}

// redactTicket replaces every ticket in s with <ticket> and reports whether
// there was one.
func redactTicket(s string, patterns []*regexp.Regexp) (string, bool) {
	found := false
	for _, re := range patterns {
		if re.MatchString(s) {
			found = true
			s = re.ReplaceAllString(s, "${1}<ticket>")
		}
	}
	return s, found
}

func (l sdkLogger) out(level slog.Level, format string, args ...any) {
	msg, ticket := redactTicket(redact(fmt.Sprintf(format, args...), l.secret), l.tickets)
	if ticket {
		level = slog.LevelDebug // a ticket opens a connection: never at info, even redacted
	}
	l.log.Log(context.Background(), level, msg, "source", "dingtalk-sdk")
}

func (l sdkLogger) Debugf(format string, args ...any)   { l.out(slog.LevelDebug, format, args...) }
func (l sdkLogger) Infof(format string, args ...any)    { l.out(slog.LevelInfo, format, args...) }
func (l sdkLogger) Warningf(format string, args ...any) { l.out(slog.LevelWarn, format, args...) }
func (l sdkLogger) Errorf(format string, args ...any)   { l.out(slog.LevelWarn, format, args...) }
func (l sdkLogger) Fatalf(format string, args ...any)   { l.out(slog.LevelError, format, args...) }
