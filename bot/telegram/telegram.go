// Package telegram connects the bot to Telegram through the Bot API, with
// github.com/go-telegram/bot: long polling by default, a webhook when
// configured.
//
// Commands are matched on the message text, not with the library's command
// matcher: that one misses /cmd@BotName and measures entity offsets in
// bytes where Telegram counts UTF-16 units, and Chinese aliases such as
// /统计 are not bot commands to Telegram at all.
package telegram

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dangke"
	"dangke/bot"
)

// Platform is Telegram's name in ChatRef and Person keys.
const Platform = "telegram"

// allowedUpdates are the updates the bot subscribes to: messages, button
// presses, and changes of its own membership of a chat.
var allowedUpdates = []string{"message", "edited_message", "channel_post", "callback_query", "my_chat_member"}

// maxText is Telegram's limit on a message, in UTF-16 units after entities
// are parsed; replies are split below it.
const maxText = 4000

// Config configures the adapter.
type Config struct {
	Token         string                                     // from @BotFather
	APIURL        string                                     // https://api.telegram.org unless a test or proxy says otherwise
	WebhookURL    string                                     // public HTTPS URL for webhook mode; empty for long polling
	WebhookSecret string                                     // secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token
	Listen        string                                     // address the webhook server listens on, e.g. :8443
	Listener      net.Listener                               // if set, the webhook server uses it instead of Listen
	WebhookLimits bot.ServerLimits                           // the webhook server's timeouts and body limit; zero: the defaults
	Commands      []bot.CommandInfo                          // registered with setMyCommands at start
	PollTimeout   time.Duration                              // long-poll timeout; 60s by default
	HTTPClient    *http.Client                               // nil for the default (timeout above PollTimeout)
	Workers       int                                        // messages handled at once; 8 by default
	Logger        *slog.Logger                               // nil to discard
	Sleep         func(context.Context, time.Duration) error // waits out a 429; tests shorten it
	Outbox        bot.OutboxConfig                           // the reply outbox: replies marked sent, pending ones sent again
	RatePerSec    float64                                    // messages a second across all chats; 30 (Telegram's global limit) when 0
	ChatEvery     time.Duration                              // one message per this in a chat after a burst of 20; 1s when 0
}

// Adapter is the Telegram bot.
type Adapter struct {
	cfg      Config
	api      *tg.Bot
	username string // the bot's @username, learnt from getMe
	log      *slog.Logger
	handler  dangke.Handler

	seenMu sync.Mutex
	seen   map[string]struct{} // (chat, message) pairs handled lately
	order  []string

	out         *bot.Outbox
	pace        *bot.Pacer // Telegram's limits: 30 messages a second, about one a second per chat
	beforeReply func()     // a test hook: runs after the commit, before a saved reply is sent
}

// seenCap bounds the in-memory duplicate filter; the router's message table
// is the durable one.
const seenCap = 10000

// New checks the token with getMe and returns the adapter.
func New(ctx context.Context, cfg Config) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: token is empty")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = bot.HTTPClient(cfg.PollTimeout+10*time.Second, 2*cfg.Workers)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sleep == nil {
		cfg.Sleep = dangke.Sleep
	}
	if cfg.RatePerSec <= 0 {
		cfg.RatePerSec = 30
	}
	if cfg.ChatEvery <= 0 {
		cfg.ChatEvery = time.Second
	}
	a := &Adapter{cfg: cfg, log: cfg.Logger.With("platform", Platform), seen: map[string]struct{}{},
		pace: bot.NewPacer(cfg.RatePerSec, int(cfg.RatePerSec), cfg.ChatEvery, 20)}
	a.out = bot.NewOutbox(Platform, cfg.Outbox, a.log)
	a.out.Notify = a.Notify // digests kept in the outbox go out, and again, through Notify
	opts := []tg.Option{
		tg.WithServerURL(strings.TrimRight(cfg.APIURL, "/")),
		tg.WithHTTPClient(cfg.PollTimeout, cfg.HTTPClient),
		tg.WithSkipGetMe(), // called below, to learn the username
		tg.WithDefaultHandler(a.onUpdate),
		tg.WithWorkers(cfg.Workers),
		tg.WithNotAsyncHandlers(), // the workers cap the work in flight
		tg.WithAllowedUpdates(allowedUpdates),
		tg.WithErrorsHandler(func(err error) { a.log.Warn("telegram api", "err", clip(redact(err, cfg.Token), maxLogged)) }),
	}
	if cfg.WebhookSecret != "" {
		opts = append(opts, tg.WithWebhookSecretToken(cfg.WebhookSecret))
	}
	api, err := tg.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", redact(err, cfg.Token))
	}
	a.api = api
	me, err := api.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe: %s", redact(err, cfg.Token))
	}
	a.username = me.Username
	return a, nil
}

// maxLogged is the most bytes of a library error that reach the log: the
// library puts a whole update (what a member wrote) into the error when it
// cannot decode a webhook post.
const maxLogged = 300

// clip cuts s to at most n bytes, on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// redact removes the token, which is part of every API URL, from an error.
func redact(err error, token string) string {
	return strings.ReplaceAll(err.Error(), token, "<token>")
}

// Name returns "telegram".
func (a *Adapter) Name() string { return Platform }

// Username is the bot's @username without the @.
func (a *Adapter) Username() string { return a.username }

// Run registers the command menu and receives messages until ctx ends.
func (a *Adapter) Run(ctx context.Context, h dangke.Handler) error {
	a.handler = h
	a.out.Recover(ctx) // before any update: replies accepted before a crash are not sent again
	defer a.out.Close()
	var sweeps sync.WaitGroup
	sctx, stop := context.WithCancel(ctx)
	sweeps.Add(1)
	go func() {
		defer sweeps.Done()
		a.out.Run(sctx, a.resend)
	}()
	defer sweeps.Wait()
	defer stop()       // before the wait: Run may end on an error while ctx lives
	a.setCommands(ctx) // buttons.go
	if a.cfg.WebhookURL == "" {
		// A webhook left from an earlier run would make getUpdates fail with 409.
		if _, err := a.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
			a.log.Warn("deleteWebhook failed", "err", redact(err, a.cfg.Token))
		}
		a.log.Info("long polling", "bot", a.username)
		a.api.Start(ctx)
		return nil
	}
	return a.runWebhook(ctx)
}

func (a *Adapter) runWebhook(ctx context.Context) error {
	if _, err := a.api.SetWebhook(ctx, &tg.SetWebhookParams{URL: a.cfg.WebhookURL, SecretToken: a.cfg.WebhookSecret,
		AllowedUpdates: allowedUpdates}); err != nil {
		return fmt.Errorf("telegram: setWebhook: %s", redact(err, a.cfg.Token))
	}
	ln := a.cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			return fmt.Errorf("telegram: webhook listen: %w", err)
		}
	}
	srv := bot.NewServer(a.WebhookHandler(), a.cfg.WebhookLimits)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go a.api.StartWebhook(ctx)
	a.log.Info("webhook", "bot", a.username, "listen", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
	return nil
}

// WebhookHandler serves Telegram's webhook posts. Unlike the library's
// handler, which answers 200 to a wrong secret, it answers 401 after a
// constant-time comparison. Serve it with bot.NewServer, which limits its
// body: the library reads the whole body into memory.
func (a *Adapter) WebhookHandler() http.Handler {
	inner := a.api.WebhookHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if a.cfg.WebhookSecret != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.WebhookSecret)) != 1 {
			a.log.Warn("webhook call with a wrong secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		inner(w, r)
	})
}

// onUpdate turns one update into a request, if it is one the bot answers.
func (a *Adapter) onUpdate(ctx context.Context, _ *tg.Bot, u *models.Update) {
	if u.CallbackQuery != nil {
		a.onPress(ctx, u.CallbackQuery) // buttons.go
		return
	}
	if a.onChatEvent(ctx, u) { // events.go
		return
	}
	m := u.Message
	if m == nil || m.From == nil || m.From.IsBot {
		return // edits, channel posts and other bots' messages are not commands
	}
	text, ok := a.addressed(m)
	if !ok {
		return
	}
	key := strconv.FormatInt(m.Chat.ID, 10) + "/" + strconv.Itoa(m.ID)
	if !a.firstTime(key) {
		a.log.Debug("duplicate update ignored", "chat", m.Chat.ID, "message", m.ID)
		return
	}
	req := dangke.Request{
		Chat:  dangke.ChatRef{Platform: Platform, ID: strconv.FormatInt(m.Chat.ID, 10), Group: m.Chat.Type != models.ChatTypePrivate, Title: m.Chat.Title},
		From:  dangke.Person{Platform: Platform, ID: strconv.FormatInt(m.From.ID, 10), Name: displayName(m.From)},
		Text:  text,
		MsgID: strconv.Itoa(m.ID),
		Time:  time.Unix(int64(m.Date), 0),

		Attachments: a.attachments(m),
	}
	if a.toBot(m) {
		req.Quote = m.ReplyToMessage.Text
	}
	for _, e := range m.Entities { // people picked from the member list: their ids come with the text
		if e.Type == models.MessageEntityTypeTextMention && e.User != nil && !e.User.IsBot {
			req.Mentioned = append(req.Mentioned, dangke.Person{Platform: Platform, ID: strconv.FormatInt(e.User.ID, 10), Name: displayName(e.User)})
		}
	}
	reply, err := a.handler.Handle(ctx, req)
	if err != nil {
		a.log.Error("handling a message failed", "chat", m.Chat.ID, "err", err)
	}
	send := func(ctx context.Context) error {
		if err := a.send(ctx, m.Chat.ID, m.ID, reply); err != nil {
			a.log.Error("reply failed", "chat", m.Chat.ID, "err", redact(err, a.cfg.Token))
			return errors.New(redact(err, a.cfg.Token))
		}
		return nil
	}
	if reply == nil || !reply.Saved {
		_ = send(ctx)
		return
	}
	// Through the outbox: not while this process sends it already, and with
	// at most its InFlight replies on their way.
	_, _ = a.out.Send(ctx, dangke.Outgoing{Key: bot.Key(req), Kind: dangke.SendReply, Group: req.Chat.Group, Text: reply.Text},
		func(ctx context.Context) error {
			if a.beforeReply != nil {
				a.beforeReply()
			}
			return send(ctx)
		})
}

// resend sends a pending reply again, as an answer to its message.
func (a *Adapter) resend(ctx context.Context, o dangke.Outgoing) error {
	chat, err := strconv.ParseInt(o.Key.Chat, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: resend: chat id %q is not a number", o.Key.Chat)
	}
	msg, _ := strconv.Atoi(o.Key.ID)
	if err := a.send(ctx, chat, msg, &dangke.Reply{Text: o.Text}); err != nil {
		return errors.New(redact(err, a.cfg.Token))
	}
	return nil
}

// addressed returns the text the router should see, and whether the message
// is for the bot at all. In a 1:1 chat every text is; in a group, a command
// (not one addressed to another bot), a reply to the bot, or a message that
// mentions it.
func (a *Adapter) addressed(m *models.Message) (string, bool) {
	text := strings.TrimSpace(m.Text)
	media := len(m.Photo) > 0 || m.Document != nil || m.Video != nil
	if media { // a photo, document or video: its caption is its text
		text = strings.TrimSpace(m.Caption)
		if text == "" && (m.Chat.Type == models.ChatTypePrivate || a.toBot(m)) {
			return "", true
		}
	}
	if text == "" {
		return "", false
	}
	if strings.HasPrefix(text, "/") {
		word, rest, _ := strings.Cut(text, " ")
		if cmd, target, ok := strings.Cut(word, "@"); ok {
			if !strings.EqualFold(target, a.username) {
				return "", false // /stats@OtherBot
			}
			word = cmd
		}
		if rest != "" {
			return word + " " + rest, true
		}
		return word, true
	}
	if m.Chat.Type == models.ChatTypePrivate {
		return text, true
	}
	if a.toBot(m) {
		return text, true // an answer to the bot's question, or a photo for its confirmation
	}
	mention := "@" + a.username
	if a.username != "" && strings.Contains(strings.ToLower(text), strings.ToLower(mention)) {
		i := strings.Index(strings.ToLower(text), strings.ToLower(mention))
		return strings.TrimSpace(text[:i] + text[i+len(mention):]), true
	}
	return "", false
}

// toBot reports whether a message replies to one of the bot's.
func (a *Adapter) toBot(m *models.Message) bool {
	return m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && strings.EqualFold(m.ReplyToMessage.From.Username, a.username)
}

func (a *Adapter) firstTime(key string) bool {
	a.seenMu.Lock()
	defer a.seenMu.Unlock()
	if _, ok := a.seen[key]; ok {
		return false
	}
	a.seen[key] = struct{}{}
	a.order = append(a.order, key)
	if len(a.order) > seenCap {
		delete(a.seen, a.order[0])
		a.order = a.order[1:]
	}
	return true
}

func displayName(u *models.User) string {
	if u.Username != "" {
		return u.Username
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// Notify sends a message to a chat by its id.
func (a *Adapter) Notify(ctx context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	id, err := strconv.ParseInt(chat.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: notify: chat id %q is not a number", chat.ID)
	}
	if !chat.Group && len(reply.Mentions) > 0 {
		r := *reply
		r.Mentions = nil // never @ anyone in a 1:1 chat
		reply = &r
	}
	return a.send(ctx, id, 0, reply)
}

// send renders a reply as HTML (everything escaped), split below Telegram's
// limit in order, then its files as documents.
func (a *Adapter) send(ctx context.Context, chat int64, replyTo int, reply *dangke.Reply, ask ...dangke.Person) error {
	if reply == nil {
		return nil
	}
	if reply.Text != "" {
		parts := bot.SplitBy(reply.Text, maxText, bot.UTF16Len)
		for i, part := range parts {
			p := &tg.SendMessageParams{ChatID: chat, Text: html.EscapeString(part), ParseMode: models.ParseModeHTML,
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
			if i == 0 && replyTo != 0 {
				p.ReplyParameters = &models.ReplyParameters{MessageID: replyTo, AllowSendingWithoutReply: true}
			}
			if i == len(parts)-1 {
				p.ReplyMarkup = markup(reply, replyTo != 0) // buttons.go
				p.Text += mentionLinks(reply.Mentions) + askLinks(ask)
			}
			if err := a.pace.Wait(ctx, strconv.FormatInt(chat, 10)); err != nil {
				return fmt.Errorf("telegram: sendMessage: %w", err)
			}
			if err := a.retry(ctx, func() error { _, err := a.api.SendMessage(ctx, p); return err }); err != nil {
				return fmt.Errorf("telegram: sendMessage: %w", err)
			}
		}
	}
	for _, f := range reply.Files {
		if err := a.sendFile(ctx, chat, f); err != nil { // photo.go
			return err
		}
	}
	return nil
}

// maxRetries bounds how often one send waits out a 429.
const maxRetries = 5

// retry runs call, waiting out Too Many Requests as Telegram asks (the
// library does not).
func (a *Adapter) retry(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var tooMany *tg.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt == maxRetries {
			return err
		}
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		a.log.Warn("rate limited; waiting", "retry_after", wait)
		if err := a.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Outbox is the adapter's outbox, through which proactive messages kept
// there (digests) are sent.
func (a *Adapter) Outbox() *bot.Outbox { return a.out }
