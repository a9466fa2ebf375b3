package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"dangke"
	"dangke/chart"
	"dangke/report"
)

// Config is what the router needs to know about the deployment.
type Config struct {
	Admins        []string       // platform:id of the admins from config
	Location      *time.Location // the campaign's time zone; Asia/Shanghai
	City          string         // the city's name for 全市 figures: 焦作市
	UndoWindow    time.Duration  // how long /撤销 may withdraw one's own entry
	PromptTimeout time.Duration  // how long a half-entered command waits for its fields
	Now           func() time.Time
	Logger        *slog.Logger
	Rubric        dangke.Rubric    // the contest's scoring standard; 附件3 by default
	Campaign      dangke.Campaign  // dates, deadlines and targets; the notice's by default
	MaxMessage    int              // longest message read, in characters; longer ones are refused unread (4000)
	Charts        *chart.Renderer  // draws /图表; the embedded fonts when nil
	Dashboard     dangke.Linker    // gives out /看板 links; nil: the dashboard is off
	Media         dangke.Media     // keeps the photos and files sent with lectures; nil: they are refused
	FileLimits    map[string]int64 // the largest file sent into a chat, by platform; nil: each platform's own
	// ReportPhotos gives the 情况报告 (/导出 报告) its photos, up to six with
	// captions (report.MediaPhotos); nil: the report leaves a marked place
	// for them.
	ReportPhotos report.PhotoSource
}

// Router parses each request, finds its command, checks who may run it,
// asks for missing fields, runs it and turns every error into one Chinese
// sentence. It is the bot's dangke.Handler.
type Router struct {
	store  dangke.Store
	cfg    Config
	cmds   []*Command
	admins map[string]bool

	members memberCache
	costly  limiter
	charts  charts

	conv   dangke.Conversations // the waiting commands: the store's, or memConversations
	staged sync.Map             // pendingKey -> *pending left by the request being handled
	taken  sync.Map             // pendingKey -> the state of the conversation the request took up
}

// New returns a router over a store with the commands of Registry.
func New(store dangke.Store, cfg Config) *Router {
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("CST", 8*3600)
	}
	if cfg.City == "" {
		cfg.City = "全市"
	}
	if cfg.UndoWindow <= 0 {
		cfg.UndoWindow = 24 * time.Hour
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 4000
	}
	if cfg.PromptTimeout <= 0 {
		cfg.PromptTimeout = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Rubric.Criteria) == 0 {
		cfg.Rubric = dangke.DefaultRubric()
	}
	if cfg.Campaign.Location == nil {
		cfg.Campaign = dangke.DefaultCampaign(cfg.Location)
	}
	r := &Router{store: store, cfg: cfg, admins: map[string]bool{}}
	if conv, ok := store.(dangke.Conversations); ok {
		r.conv = conv
	} else {
		r.conv = &memConversations{m: map[string]memConversation{}, timeout: cfg.PromptTimeout}
	}
	for _, a := range cfg.Admins {
		r.admins[strings.TrimSpace(a)] = true
	}
	r.cmds = Registry(r)
	for _, c := range r.cmds {
		c.index()
	}
	return r
}

// Commands returns the declared commands, in help order.
func (r *Router) Commands() []*Command { return r.cmds }

func (r *Router) messageKey(req dangke.Request) dangke.MessageKey {
	return dangke.MessageKey{Platform: req.Chat.Platform, Chat: req.Chat.ID, ID: req.MsgID}
}

// Handle answers one request. User mistakes come back as a reply with a nil
// error; an internal failure comes back as an apology and the error, so that
// an adapter can leave the delivery unacknowledged for the platform to retry.
func (r *Router) Handle(ctx context.Context, req dangke.Request) (reply *dangke.Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.cfg.Logger.Error("command panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("commands: panic: %v", p)
			reply = &dangke.Reply{Text: dangke.ErrorMessage(err)}
		}
	}()
	if req.MsgID != "" {
		saved, found, err := r.store.Reply(ctx, r.messageKey(req))
		if err != nil {
			return r.fail(nil, err)
		}
		if found {
			reply, err := r.savedReply(ctx, r.messageKey(req), saved, r.cfg.Now())
			if err != nil {
				return r.fail(nil, err)
			}
			return reply, nil
		}
		if ctx, err = r.withPeek(ctx, req); err != nil {
			return r.fail(nil, err)
		}
		// A redelivered message that left a question waiting gets the
		// same question, and the conversation stays where it is.
		prompt, ok, err := r.promptOf(ctx, req)
		if err != nil {
			return r.fail(nil, err)
		}
		if ok {
			return &dangke.Reply{Text: prompt}, nil
		}
	}
	reply, err = r.handle(ctx, req)
	if kerr := r.keepPending(ctx, req, reply, err != nil); kerr != nil {
		return r.fail(nil, kerr)
	}
	return reply, err
}

// handle answers a request that is not a redelivery.
func (r *Router) handle(ctx context.Context, req dangke.Request) (*dangke.Reply, error) {
	if req.Token != "" {
		now := req.Time
		if now.IsZero() {
			now = r.cfg.Now()
		}
		return r.press(ctx, req, now.In(r.cfg.Location))
	}
	// A message too long to be a command is refused before any parsing or
	// permission work.
	if n := len(req.Text); n > r.cfg.MaxMessage && (n > 4*r.cfg.MaxMessage || utf8.RuneCountInString(req.Text) > r.cfg.MaxMessage) {
		return &dangke.Reply{Text: fmt.Sprintf("消息太长，最多 %d 个字；一条消息只登记一项，请分开发送。", r.cfg.MaxMessage)}, nil
	}
	req.Text = dangke.CleanText(req.Text)
	text := strings.TrimSpace(req.Text)
	now := req.Time
	if now.IsZero() {
		now = r.cfg.Now()
	}
	now = now.In(r.cfg.Location)
	if strings.HasPrefix(text, "@") { // @党课助手 /党课 …: a mention the platform left in
		if i := strings.IndexAny(text, "/／"); i > 0 && !strings.ContainsAny(strings.TrimSpace(text[:i]), " \u3000") {
			text = text[i:]
		}
	}
	if rest, ok := strings.CutPrefix(text, "／"); ok {
		text = "/" + rest
	}
	if len(req.Attachments) > 0 {
		return r.attach(ctx, req, text, now)
	}
	if strings.HasPrefix(text, "/") {
		abandoned, err := r.dropPending(ctx, req, now)
		if err != nil {
			return r.fail(nil, err)
		}
		return r.command(ctx, req, text, now, abandoned)
	}
	p, expired, err := r.takePending(ctx, req, now)
	if err != nil {
		return r.fail(nil, err)
	}
	if p != nil {
		if expired {
			if p.call.question != nil {
				return &dangke.Reply{Text: fmt.Sprintf("你的 %s 超过%s没有回答，已经放弃，没有保存；请重新发送。", p.call.Cmd.Title(), minutes(r.cfg.PromptTimeout))}, nil
			}
			return &dangke.Reply{Text: fmt.Sprintf("你的 %s 超过%s没有填完，已经放弃；请重新发送。", p.call.Cmd.Title(), minutes(r.cfg.PromptTimeout))}, nil
		}
		if p.call.question != nil {
			return r.confirm(ctx, req, p, text, now)
		}
		return r.answer(ctx, req, p, text, now)
	}
	if text == "" {
		return &dangke.Reply{Text: "你好，我是党课助手。发送 /帮助 查看我能做什么。"}, nil
	}
	return &dangke.Reply{Text: "命令要以 / 开头，例：/党课 张三 支部书记 《我和我的祖国》 7月1日 45人。发送 /帮助 查看全部命令。"}, nil
}

// command parses and runs a line that starts with /.
func (r *Router) command(ctx context.Context, req dangke.Request, text string, now time.Time, abandoned *Command) (*dangke.Reply, error) {
	reply, err := r.dispatch(ctx, req, text, now, abandoned)
	if abandoned != nil && reply != nil && !strings.HasPrefix(reply.Text, cancelled) {
		reply.Text += fmt.Sprintf("\n（之前未填完的 %s 已放弃）", abandoned.Title())
	}
	return reply, err
}

// dispatch finds the command of a line and runs it.
func (r *Router) dispatch(ctx context.Context, req dangke.Request, text string, now time.Time, abandoned *Command) (*dangke.Reply, error) {
	word, rest, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 { // the ideographic space
		word, rest = word[:i], word[i:]+" "+rest
	}
	raw := word
	word = fold(word)
	if at := strings.IndexByte(word, '@'); at > 0 { // /党课@dangke_bot
		word = word[:at]
	}
	group := r.lookup(word)
	if len(group) == 0 { // /党课毛红亮…: no space after the command
		if name := r.prefixName(word); name != "" {
			word, rest = name, strings.TrimPrefix(raw, name)+" "+rest
			group = r.lookup(word)
		}
	}
	if len(group) == 0 {
		return &dangke.Reply{Text: r.unknown(word)}, nil
	}
	cmd := group[0]
	if len(group) > 1 || len(cmd.Sub) > 0 {
		// A group may hold one command without a subcommand (/师资库 温县)
		// beside its subcommands (/师资库 推荐 张三): a first word that names
		// no subcommand goes to that one.
		sub, after, _ := strings.Cut(strings.TrimSpace(rest), " ")
		cmd = nil
		var plain *Command
		for _, c := range group {
			if len(c.Sub) == 0 {
				plain = c
			} else if containsFold(c.Sub, sub) {
				cmd = c
			}
		}
		switch {
		case cmd != nil:
			rest = after
		case plain != nil:
			cmd = plain
		default:
			return &dangke.Reply{Text: r.subUsage(group, sub)}, nil
		}
	}
	tokens, err := tokenize(rest)
	if err != nil {
		return r.fail(cmd, err)
	}
	call, err := r.newCall(ctx, req, cmd, now)
	if err != nil {
		return r.fail(cmd, err)
	}
	call.abandoned = abandoned != nil
	// Who may run the command is settled before its arguments are read, so
	// that a refusal gives the true reason.
	if err := r.authorize(call); err != nil {
		return r.fail(cmd, err)
	}
	if err := call.bind(tokens); err != nil {
		return r.fail(cmd, err)
	}
	if cmd.Costly && !call.Super {
		if ok, wait := r.costly.allow(req.From.Key(), now); !ok {
			return &dangke.Reply{Text: busyText(cmd.Title(), wait)}, nil
		}
	}
	if f := call.missing(); f != nil {
		// Refuse before asking questions what no answer can fix: a command
		// that logs for the chat's unit in a chat bound to none.
		if u := cmd.field("单位"); u != nil && !u.Required && !call.Args.Has("单位") && call.Unit == nil {
			if _, err := call.TargetUnit(ctx, "单位"); err != nil {
				return r.fail(cmd, err)
			}
		}
		return r.startPrompt(ctx, call, f), nil
	}
	return r.run(ctx, call, false)
}

// newCall loads what the router knows about the sender and the chat.
func (r *Router) newCall(ctx context.Context, req dangke.Request, cmd *Command, now time.Time) (*Call, error) {
	c := &Call{Req: req, Cmd: cmd, Args: Args{}, Now: now, r: r, Super: r.admins[req.From.Key()]}
	var err error
	if c.Unit, err = r.store.ChatUnit(ctx, req.Chat); err != nil {
		return nil, err
	}
	if c.Roles, err = r.store.Roles(ctx, req.From.Key()); err != nil {
		return nil, err
	}
	if c.Unit == nil {
		if c.CityChat, err = r.store.IsCityChat(ctx, req.Chat); err != nil {
			return nil, err
		}
	}
	switch {
	case req.Chat.Group && (c.Unit != nil || c.CityChat):
		c.newMember = !r.members.known(req)
	case !req.Chat.Group && !c.Super && len(c.Roles) == 0:
		if c.Known, err = r.store.IsMember(ctx, req.From.Key()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// authorize checks the command's permission level; commands check the unit
// they act on themselves.
func (r *Router) authorize(c *Call) error {
	switch c.Cmd.Perm {
	case Reader:
		if !c.permits(Reader) {
			if c.Req.Chat.Group {
				return dangke.Errorf(dangke.EFORBIDDEN, "本群尚未绑定单位，%s 的数据只在已绑定单位的工作群里查看。请管理员在本群发送 /单位 绑定 单位路径。", c.Cmd.Title())
			}
			return dangke.Errorf(dangke.EFORBIDDEN, "%s 的数据只提供给各单位工作群的成员：请在本单位已绑定的工作群里发一次消息（如 /我）后再来查看，或请管理员授权。", c.Cmd.Title())
		}
	case Member:
		if c.Unit == nil && !c.Super && len(c.Roles) == 0 {
			if !c.Req.Chat.Group {
				return dangke.Errorf(dangke.EFORBIDDEN, "你没有管理员角色，不能在单聊中使用 %s；请在本单位已绑定的工作群里发送。", c.Cmd.Title())
			}
			if c.CityChat {
				return dangke.Errorf(dangke.EFORBIDDEN, "本群是全市的工作群，不在这里使用 %s：请在所在党支部（或乡镇、县市区）的工作群里发送，或由管理员单聊发送并写明 单位=路径。", c.Cmd.Title())
			}
			return dangke.Errorf(dangke.EFORBIDDEN, "本群尚未绑定单位，暂时不能使用 %s。请管理员在本群发送 /单位 绑定 单位路径。", c.Cmd.Title())
		}
	case Admin:
		if !c.Super && len(c.Roles) == 0 {
			return dangke.Errorf(dangke.EFORBIDDEN, "%s 只有管理员可以使用；你还没有管理员角色，请联系市委宣传部或本单位管理员。", c.Cmd.Title())
		}
	case Super:
		if !c.Super {
			return dangke.Errorf(dangke.EFORBIDDEN, "%s 只有系统管理员（配置文件 admins）可以使用。", c.Cmd.Title())
		}
	}
	return nil
}

// run runs a command whose fields are all present. In a conversation, a
// field the command rejects is asked for again instead of ending it.
func (r *Router) run(ctx context.Context, c *Call, conversing bool) (*dangke.Reply, error) {
	if q := c.doubts(); q != nil {
		return r.ask(ctx, c, q), nil
	}
	reply, err := c.Cmd.Run(ctx, c)
	if err == nil && c.Cmd.Costly && !c.Super {
		r.costly.spend(c.Req.From.Key(), c.Now)
	}
	if c.newMember { // a command that wrote nothing: record the member on its own
		if err := r.store.Update(ctx, func(tx dangke.Tx) error { return tx.NoteMember(ctx, c.Req.From.Key(), c.Req.Chat, c.Now) }); err != nil {
			return r.fail(c.Cmd, err)
		}
		r.members.note(c.Req)
		c.newMember = false
	}
	if err == nil {
		r.undoButton(c, reply)
		return reply, nil
	}
	if q := asQuestion(err); q != nil {
		// A copy of this very message handled a moment ago is a
		// redelivery, not a duplicate to ask about.
		if c.Req.MsgID != "" {
			if saved, found, rerr := r.store.Reply(ctx, r.messageKey(c.Req)); rerr == nil && found {
				return r.savedReply(ctx, r.messageKey(c.Req), saved, r.cfg.Now())
			}
		}
		return r.ask(ctx, c, q), nil
	}
	var need *needField
	if errors.As(err, &need) {
		conversing = true // a field the command needs but was not given is asked for
	}
	if conversing && dangke.ErrorField(err) != "" {
		for i := range c.Cmd.Fields {
			f := &c.Cmd.Fields[i]
			if f.label() == dangke.ErrorField(err) || f.Name == dangke.ErrorField(err) {
				delete(c.Args, f.Name)
				if !f.Required {
					c.asking = f.Name // the answer is this field's, not the next required one's
				}
				return r.prompt(ctx, c, f, dangke.ErrorMessage(err)+"\n"+promptFor(f)), nil
			}
		}
	}
	return r.fail(c.Cmd, err)
}

// needField is a command's question for a field it was not given and finds
// it needs (which branch, in a county's chat): asked for as a missing
// field is, also outside a conversation.
type needField struct{ err error }

func (n *needField) Error() string { return n.err.Error() }
func (n *needField) Unwrap() error { return n.err }

// askFor asks for field with the message format (as dangke.FieldErrorf).
func askFor(field, format string, args ...any) error {
	return &needField{dangke.FieldErrorf(field, format, args...)}
}

// fail turns an error into the reply the user sees. Internal errors are
// logged and also returned, so that the delivery is not acknowledged.
func (r *Router) fail(cmd *Command, err error) (*dangke.Reply, error) {
	msg := dangke.ErrorMessage(err)
	switch dangke.ErrorCode(err) {
	case dangke.EINTERNAL:
		r.cfg.Logger.Error("command failed", "err", err)
		return &dangke.Reply{Text: msg}, err
	case dangke.EINVALID:
		if cmd != nil && cmd.Example != "" {
			msg += " 例：" + cmd.Example
		}
	}
	return &dangke.Reply{Text: msg}, nil
}

// minutes prints a duration in minutes for a reply.
func minutes(d time.Duration) string { return fmt.Sprintf("%d分钟", int(d.Minutes())) }

// lookup returns the commands whose name or English alias is word.
func (r *Router) lookup(word string) []*Command {
	var out []*Command
	for _, c := range r.cmds {
		if containsFold(c.Names, word) || containsFold(c.English, word) {
			out = append(out, c)
		}
	}
	return out
}

// prefixName returns the longest Chinese command name word starts with, or "".
func (r *Router) prefixName(word string) string {
	best := ""
	for _, c := range r.cmds {
		for _, n := range c.Names {
			if len(n) > len(best) && strings.HasPrefix(word, n) {
				best = n
			}
		}
	}
	return best
}

// unknown suggests the closest command name.
func (r *Router) unknown(word string) string {
	if word == "" {
		return "请在 / 后写命令名，例：/党课。发送 /帮助 查看全部命令。"
	}
	best, bestD := "", 1<<30
	for _, c := range r.cmds {
		for _, n := range append(append([]string{}, c.Names...), c.English...) {
			if d := distance(strings.ToLower(word), strings.ToLower(n)); d < bestD {
				best, bestD = n, d
			}
		}
	}
	if bestD <= max(1, len([]rune(best))/2) {
		return fmt.Sprintf("没有 /%s 这个命令，你是不是要用 /%s？发送 /帮助 查看全部命令。", clip(word), best)
	}
	return fmt.Sprintf("没有 /%s 这个命令。发送 /帮助 查看全部命令。", clip(word))
}

// subUsage explains a command group's subcommands.
func (r *Router) subUsage(group []*Command, sub string) string {
	var b strings.Builder
	if sub == "" {
		fmt.Fprintf(&b, "/%s 后面要写做什么：\n", group[0].Names[0])
	} else {
		fmt.Fprintf(&b, "/%s 没有「%s」这一项，可用：\n", group[0].Names[0], clip(sub))
	}
	for _, c := range group {
		fmt.Fprintf(&b, "%s — %s\n", c.Title(), c.Summary)
	}
	b.WriteString("例：" + group[0].Example)
	return b.String()
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// distance is the edit distance between two strings in runes, counting a
// swap of two neighbours as one edit (optimal string alignment), since
// "/stast" for "/stats" is the commonest slip on a phone keyboard.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
