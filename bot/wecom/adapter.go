package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dangke"
	"dangke/bot"
)

// Platform is WeCom's name in ChatRef and Person keys.
const Platform = "wecom"

// CallbackConfig turns on the callback-URL mode instead of the long connection.
type CallbackConfig struct {
	Token          string
	EncodingAESKey string
	Listen         string           // e.g. :8080; WeCom posts to the public URL in front of it
	Listener       net.Listener     // if set, used instead of Listen (tests)
	Limits         bot.ServerLimits // timeouts and the body size limit; zero: the defaults
}

// Config configures the adapter.
type Config struct {
	BotID, Secret string // the robot's long-connection credentials; the secret is never logged
	WSURL         string // wss://openws.work.weixin.qq.com
	Callback      CallbackConfig
	WebhookHost   string        // https://qyapi.weixin.qq.com
	Heartbeat     time.Duration // 30s
	WebhookLimit  int           // messages per WebhookWindow per group robot: 20
	WebhookWindow time.Duration // 1 minute
	DailyPush     int           // messages pushed unprompted to one conversation a day; more are merged into one (0: no limit)
	MaxInFlight   int           // messages handled at once over the long connection: 32
	MaxQueued     int           // messages waiting for a slot beyond those: 1000; more are dropped with a warning
	HTTPClient    *http.Client
	FileClient    *http.Client     // downloads the pictures and files sent to the robot; a 2-minute timeout by default
	Outbox        bot.OutboxConfig // the reply outbox: replies marked sent, pending ones sent again
	Logger        *slog.Logger
}

// Adapter is the WeCom robot.
type Adapter struct {
	cfg     Config
	log     *slog.Logger
	hook    *webhook
	files   *http.Client
	kit     *cipherKit // callback mode
	handler dangke.Handler
	work    chan struct{} // caps messages handled at once
	waiting atomic.Int64  // messages taken off the socket and not yet handled

	daily daily // daily.go: unprompted messages per conversation today

	mu      sync.Mutex
	conn    *wsConn // the live long connection, if any
	seen    map[string]struct{}
	order   []string
	replies sync.WaitGroup

	out         *bot.Outbox
	up          chan struct{} // closed once the long connection is first up
	upOnce      sync.Once
	beforeReply func() // a test hook: runs after the commit, before a saved reply is sent
}

// New checks the configuration and returns the adapter. It opens nothing:
// the long connection starts with Run, so a second process (an operator's
// `dangke digest`) can Notify through group robots without kicking the
// running bot off — WeCom allows one long connection per robot.
func New(cfg Config) (*Adapter, error) {
	if cfg.WSURL == "" {
		cfg.WSURL = "wss://openws.work.weixin.qq.com"
	}
	if cfg.WebhookHost == "" {
		cfg.WebhookHost = "https://qyapi.weixin.qq.com"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 30 * time.Second
	}
	if cfg.WebhookLimit <= 0 {
		cfg.WebhookLimit = 20
	}
	if cfg.WebhookWindow <= 0 {
		cfg.WebhookWindow = time.Minute
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 32
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1000
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = bot.HTTPClient(15*time.Second, 16)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{cfg: cfg, log: cfg.Logger.With("platform", Platform), seen: map[string]struct{}{}, work: make(chan struct{}, cfg.MaxInFlight),
		hook: newWebhook(cfg.WebhookHost, cfg.HTTPClient, cfg.WebhookLimit, cfg.WebhookWindow), up: make(chan struct{})}
	a.daily.limit = cfg.DailyPush
	a.out = bot.NewOutbox(Platform, cfg.Outbox, a.log)
	a.files = cfg.FileClient
	if a.files == nil {
		a.files = &http.Client{Timeout: 2 * time.Minute}
	}
	a.out.Notify = a.Notify // digests kept in the outbox go out, and again, through Notify
	if cfg.Callback.Token != "" {
		kit, err := newCipherKit(cfg.Callback.Token, cfg.Callback.EncodingAESKey)
		if err != nil {
			return nil, err
		}
		a.kit = kit
	} else if cfg.BotID == "" || cfg.Secret == "" {
		return nil, errors.New("wecom: bot_id and secret are needed for the long connection (or set wecom.callback)")
	}
	return a, nil
}

// Name returns "wecom".
func (a *Adapter) Name() string { return Platform }

// Run answers messages until ctx ends: over the long connection, or as the
// callback URL's HTTP server when the callback is configured.
func (a *Adapter) Run(ctx context.Context, h dangke.Handler) error {
	a.handler = h
	a.out.Recover(ctx) // before any message: replies accepted before a crash are not sent again
	defer a.out.Close()
	defer a.replies.Wait()
	sctx, stop := context.WithCancel(ctx)
	defer stop() // before the wait: Run may end on an error while ctx lives
	a.replies.Add(1)
	go func() {
		defer a.replies.Done()
		if a.kit == nil { // pending replies wait for the connection they go out on
			select {
			case <-a.up:
			case <-sctx.Done():
				return
			}
		}
		a.out.Run(sctx, a.resend)
	}()
	if a.kit != nil {
		return a.serveCallback(ctx)
	}
	return a.runLongConnection(ctx)
}

// resend sends a pending reply again: over the long connection to the chat
// (aibot_send_msg; the callback's req_id died with its connection), else
// through the chat's group robot.
func (a *Adapter) resend(ctx context.Context, o dangke.Outgoing) error {
	return a.Notify(ctx, dangke.ChatRef{Platform: Platform, ID: o.Key.Chat, Webhook: o.Webhook}, &dangke.Reply{Text: o.Text})
}

// claim reports whether a saved reply is to be sent from here, and runs the
// test hook before it.
func (a *Adapter) claim(req dangke.Request, reply *dangke.Reply) bool {
	if reply == nil || !reply.Saved {
		return true
	}
	if !a.out.Claim(bot.Key(req)) {
		return false
	}
	if a.beforeReply != nil {
		a.beforeReply()
	}
	return true
}

// send sends a reply through fn: a saved one through the outbox (once per
// process, at most its InFlight on their way, the outcome recorded), after
// the test hook.
func (a *Adapter) send(ctx context.Context, req dangke.Request, reply *dangke.Reply, fn func(context.Context) error) error {
	if !reply.Saved {
		return fn(ctx)
	}
	_, err := a.out.Send(ctx, dangke.Outgoing{Key: bot.Key(req), Kind: dangke.SendReply, Group: req.Chat.Group, Text: reply.Text},
		func(ctx context.Context) error {
			if a.beforeReply != nil {
				a.beforeReply()
			}
			return fn(ctx)
		})
	return err
}

// delivered records the outcome of sending a reply.
func (a *Adapter) delivered(ctx context.Context, req dangke.Request, reply *dangke.Reply, err error) {
	if reply != nil && reply.Saved {
		a.out.Delivered(ctx, bot.Key(req), err)
	}
}

// dispatch runs fn on its own goroutine once a work slot is free. It never
// blocks the caller: the long connection's reader must go on reading, since
// the acknowledgements that busy handlers wait for arrive on the same socket.
// Work beyond MaxInFlight waits for a slot; beyond MaxQueued more it is
// dropped with a warning rather than held without bound.
func (a *Adapter) dispatch(ctx context.Context, what string, fn func(context.Context)) bool {
	if a.waiting.Add(1) > int64(a.cfg.MaxInFlight+a.cfg.MaxQueued) {
		a.waiting.Add(-1)
		a.log.Warn("too many messages in flight; this one is dropped", "what", what, "in_flight", a.cfg.MaxInFlight, "queued", a.cfg.MaxQueued)
		return false
	}
	a.replies.Add(1)
	go func() {
		defer a.replies.Done()
		defer a.waiting.Add(-1)
		select {
		case a.work <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-a.work }()
		fn(ctx)
	}()
	return true
}

// firstTime reports whether a message id has not been handled lately; the
// router's message table is the durable guard.
func (a *Adapter) firstTime(id string) bool {
	if id == "" {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.seen[id]; ok {
		return false
	}
	a.seen[id] = struct{}{}
	a.order = append(a.order, id)
	if len(a.order) > 10000 {
		delete(a.seen, a.order[0])
		a.order = a.order[1:]
	}
	return true
}

// message is a robot callback's body, the fields this bot reads.
type message struct {
	MsgID    string `json:"msgid"`
	AIBotID  string `json:"aibotid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"` // single or group
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	CreateTime int64  `json:"create_time"`
	MsgType    string `json:"msgtype"`
	Text       struct {
		Content string `json:"content"`
	} `json:"text"`
	Voice struct {
		Content string `json:"content"`
	} `json:"voice"`
	Image resource `json:"image"`
	File  resource `json:"file"`
	Video resource `json:"video"`
	Mixed struct {
		Items []struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
			Image resource `json:"image"`
		} `json:"msg_item"`
	} `json:"mixed"`
	Quote *struct {
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	} `json:"quote"`
	Event struct {
		EventType string `json:"eventtype"`
		EventKey  string `json:"event_key"` // template_card_event: the pressed button's key
		TaskID    string `json:"task_id"`   // template_card_event: the card's task id
	} `json:"event"`
}

func (m *message) chat() dangke.ChatRef {
	if m.ChatType == "group" && m.ChatID != "" {
		return dangke.ChatRef{Platform: Platform, ID: m.ChatID, Group: true}
	}
	return dangke.ChatRef{Platform: Platform, ID: m.From.UserID}
}

// request turns a message into the router's request, or returns the reply
// for a message the bot cannot read.
func (a *Adapter) request(m *message) (dangke.Request, *dangke.Reply) {
	text := m.Text.Content
	var files []dangke.Attachment
	switch m.MsgType {
	case "text":
	case "voice": // WeCom has already turned the speech into text
		text = m.Voice.Content
	case "image":
		files = append(files, a.attachment(dangke.KindImage, m.Image))
	case "file":
		files = append(files, a.attachment(dangke.KindFile, m.File))
	case "video":
		files = append(files, a.attachment(dangke.KindVideo, m.Video))
	case "mixed": // text and pictures in one message
		var texts []string
		for _, it := range m.Mixed.Items {
			switch {
			case it.MsgType == "image" && it.Image.URL != "":
				files = append(files, a.attachment(dangke.KindImage, it.Image))
			case it.MsgType == "text":
				texts = append(texts, it.Text.Content)
			}
		}
		text = strings.Join(texts, " ")
	default:
		return dangke.Request{}, &dangke.Reply{Text: "目前只能识别文字、图片、视频和文件消息，请 @我 发送文字命令，例：/统计。"}
	}
	req := dangke.Request{Chat: m.chat(), From: dangke.Person{Platform: Platform, ID: m.From.UserID, Name: m.From.UserID},
		Text: stripMention(text), MsgID: m.MsgID, Attachments: files}
	if m.Quote != nil {
		req.Quote = m.Quote.Text.Content
	}
	if m.CreateTime > 0 {
		req.Time = time.Unix(m.CreateTime, 0)
	}
	return req, nil
}

// stripMention removes the leading @机器人名 WeCom leaves in group text.
func stripMention(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexAny(s, " \u2005\u00a0\u3000")
		if i < 0 {
			return ""
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}

// handle runs one message through the router; it returns the request too,
// the reply's key in the outbox.
func (a *Adapter) handle(ctx context.Context, m *message) (dangke.Request, *dangke.Reply, error) {
	req, hint := a.request(m)
	if hint != nil {
		return req, hint, nil
	}
	reply, err := a.handler.Handle(ctx, req)
	if err != nil {
		a.log.Error("handling a message failed", "chat", req.Chat.ID, "err", err)
	}
	return req, reply, err
}

// Connected reports whether the long connection is up and subscribed.
func (a *Adapter) Connected() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conn != nil
}

// Notify sends a message to a chat: over the long connection when it is up,
// else through the group's robot webhook.
func (a *Adapter) Notify(ctx context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	a.mu.Lock()
	conn := a.conn
	a.mu.Unlock()
	reply, err := a.daily.plan(chat.ID, reply, time.Now(), 4000) // daily.go
	if err != nil {
		return err
	}
	if !chat.Group && len(reply.Mentions) > 0 {
		r := *reply
		r.Mentions = nil // never @ anyone in a 1:1 chat
		reply = &r
	}
	if conn != nil {
		err := conn.sendMsg(ctx, chat.ID, reply)
		if err == nil {
			return nil
		}
		if chat.Webhook == "" {
			return err
		}
		a.log.Warn("long connection could not send; using the group robot", "chat", chat.ID, "err", err)
	}
	if chat.Webhook == "" {
		return fmt.Errorf("wecom: notify %s: no long connection here and no group robot webhook set (/群机器人 KEY)", chat.ID)
	}
	return a.hook.deliver(ctx, chat.Webhook, reply)
}

// splitText cuts text below a byte limit at line ends.
func splitText(text string, limit int) []string {
	if text == "" {
		return nil
	}
	return bot.Split(text, limit)
}

// Outbox is the adapter's outbox, through which proactive messages kept
// there (digests) are sent.
func (a *Adapter) Outbox() *bot.Outbox { return a.out }
