package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dangke"
)

// pending is a command waiting for its missing fields or an answer, per
// person per chat. It is kept through dangke.Conversations (the database,
// so that any replica takes the answer) as savedCall's JSON.
type pending struct {
	ref     string // names this step of the conversation, for its buttons
	call    *Call
	expires time.Time
	prompt  string // what the bot asked in reply to call.Req, for a redelivery of that message
}

func pendingKey(req dangke.Request) string { return req.Chat.Key() + " " + req.From.Key() }

// bind assigns tokens to the command's fields: key=value by name, alias or
// a label typed with a slip; then each positional value by its shape (a
// quoted title, a date, 45人, a known post, a phone, a birth month, one of a
// field's choices) wherever it stands; then what is left in the order of the
// positional fields. What cannot be placed sensibly (two dates, two names, a
// day still to come) is left empty with the reason, so that the router asks
// for it instead of saving a wrong row.
func (c *Call) bind(tokens []token) error {
	tokens = c.Cmd.joinLabels(trimStops(tokens))
	b := &binder{c: c, held: map[string]bool{}, tokens: tokens, titleAt: -1,
		title: c.Cmd.titleField(), link: c.Cmd.field("link"), minutes: c.Cmd.field("分钟")}
	var bare []piece
	for i, t := range tokens {
		if t.Key == "" {
			bare = append(bare, piece{t, i})
			continue
		}
		f := c.Cmd.lookupField(t.Key)
		if f == nil {
			return dangke.Errorf(dangke.EINVALID, "%s 没有「%s」这一项，可写：%s。", c.Cmd.Title(), clip(t.Key), fieldNames(c.Cmd))
		}
		if f != b.title && !t.Quoted {
			t.Value = trimStop(t.Value) // 人数=30人。
		}
		if c.Args.Has(f.Name) {
			return dangke.Errorf(dangke.EINVALID, "「%s」写了两次，请只写一次。", f.label())
		}
		if err := c.set(f, t.Value); err != nil {
			return err
		}
		if f == b.title && !t.Quoted {
			b.titleAt = i
		}
	}
	return b.place(bare)
}

// trimStops removes the sentence-ending marks after each value typed
// without quotes (30人。), and a mark standing alone.
func trimStops(tokens []token) []token {
	out := tokens[:0:0]
	for _, t := range tokens {
		if !t.Quoted && t.Key == "" {
			if t.Value = trimStop(t.Value); t.Value == "" {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// set checks a value and stores it in the form its kind reads: a date as
// 2019-07-01 placed in the campaign, a count as digits, a choice as the
// choice it names, numbers, phones and choices folded to ASCII, unit paths
// with ／ as /, free text as typed.
func (c *Call) set(f *Field, v string) error {
	switch f.Kind {
	case KText, KTitle:
		v = strings.TrimSpace(v)
	case KPost:
		v = postSlips.Replace(strings.TrimSpace(v))
	case KName:
		v = stripHonorific(strings.TrimSpace(v))
	case KUnit:
		v = strings.TrimSpace(strings.ReplaceAll(v, "／", "/"))
	case KDate:
		r, ok := readDate(v, c.Now)
		if !ok {
			return dangke.FieldErrorf(f.label(), "看不懂「%s」，请写作 2019-07-01、7月1日 或 昨天。", clip(v))
		}
		if r.problem != "" {
			return dangke.FieldErrorf(f.label(), "%s。", r.problem)
		}
		day, err := campaignDate(f.label(), v, r, c.Now, c.r.cfg.Campaign)
		if err != nil {
			return err
		}
		c.Args[f.Name] = day.Format(dangke.DateLayout)
		return nil
	case KCount:
		if containsFold(f.Aliases, "分钟") {
			if n, ok := readMinutes(v); ok {
				c.Args[f.Name] = strconv.Itoa(n)
				return nil
			}
		}
		if r, ok := readCount(v); ok {
			if r.problem != "" {
				return dangke.FieldErrorf(f.label(), "%s，请写一个数。", r.problem)
			}
			v = strconv.Itoa(r.n)
		} else {
			v = fold(v)
		}
	case KChoice:
		v = choiceOf(f, fold(v))
	default:
		v = fold(v)
	}
	if err := checkField(f, v, c.Now); err != nil {
		return err
	}
	c.Args[f.Name] = v
	return nil
}

func (c *Call) lastPositional() *Field {
	for i := len(c.Cmd.Fields) - 1; i >= 0; i-- {
		if c.Cmd.Fields[i].Positional {
			return &c.Cmd.Fields[i]
		}
	}
	return nil
}

// missing returns the first required field not given, or nil.
func (c *Call) missing() *Field {
	if c.asking != "" && !c.Args.Has(c.asking) {
		if f := c.Cmd.field(c.asking); f != nil {
			return f
		}
	}
	for i := range c.Cmd.Fields {
		f := &c.Cmd.Fields[i]
		if f.Required && !c.Args.Has(f.Name) {
			return f
		}
	}
	return nil
}

func fieldNames(cmd *Command) string {
	names := make([]string, len(cmd.Fields))
	for i := range cmd.Fields {
		names[i] = cmd.Fields[i].Name
	}
	return strings.Join(names, "、")
}

// checkField reads a value the way its field's kind says, so that a wrong
// value is refused when it is typed, not after the last question.
func checkField(f *Field, v string, now time.Time) error {
	label := f.label()
	if strings.TrimSpace(v) == "" {
		return dangke.FieldErrorf(label, "不能为空。")
	}
	var err error
	switch f.Kind {
	case KDate:
		_, err = parseDate(label, v, now)
	case KCount:
		_, err = parseCount(label, v)
	case KRatio:
		_, _, err = parseRatio(label, v)
	case KBool:
		_, err = parseBool(label, v)
	case KYearMonth:
		_, _, err = parseYearMonth(label, v)
	case KPhone:
		err = dangke.CheckPhone(v)
	case KUnit:
		if v != dangke.CityName {
			_, err = dangke.ParsePath(v)
		}
	case KChoice:
		if !containsFold(f.Choices, v) {
			err = dangke.FieldErrorf(label, "应为%s之一，收到「%s」。", strings.Join(f.Choices, "、"), clip(v))
		}
	}
	return err
}

// promptFor asks for one field.
func promptFor(f *Field) string {
	s := "请发送" + f.label()
	if f.Example != "" {
		s += "（例：" + f.Example + "）"
	}
	return s + "。发送 /取消 可放弃。"
}

// startPrompt keeps a command with missing fields and asks for the first.
func (r *Router) startPrompt(ctx context.Context, c *Call, f *Field) *dangke.Reply {
	var missing []string
	for i := range c.Cmd.Fields {
		g := &c.Cmd.Fields[i]
		if g.Required && !c.Args.Has(g.Name) {
			missing = append(missing, g.label())
		}
	}
	text := promptFor(f)
	if len(missing) > 1 {
		text = "还缺 " + strings.Join(missing, "、") + "。" + text
	}
	if len(c.unsure) > 0 {
		text = strings.Join(c.unsure, "\n") + "\n" + text
	}
	return r.prompt(ctx, c, f, text)
}

// savePending keeps c waiting for the sender's next message and returns
// the name of this step, which the buttons of its question carry. It is
// staged and written by keepPending when the request's reply is known,
// with that reply as the prompt a redelivery of the request gets again.
func (r *Router) savePending(c *Call) string {
	ref := dangke.NewToken()
	r.staged.Store(pendingKey(c.Req), &pending{ref: ref, call: c, expires: c.Now.Add(r.cfg.PromptTimeout)})
	return ref
}

// keepPending writes the conversation that handling req left waiting, if any.
func (r *Router) keepPending(ctx context.Context, req dangke.Request, reply *dangke.Reply, failed bool) error {
	taken, wasTaken := r.taken.LoadAndDelete(pendingKey(req))
	v, ok := r.staged.LoadAndDelete(pendingKey(req))
	if !ok {
		// A conversation taken up and neither completed nor asked again
		// ends here, unless the request failed: then it stays for the
		// platform to deliver the message again.
		if wasTaken && !failed {
			_, err := r.conv.DropConversation(ctx, pendingKey(req), taken.([]byte))
			return err
		}
		return nil
	}
	p := v.(*pending)
	if reply != nil && req.MsgID != "" && p.call.Req.MsgID == req.MsgID {
		p.prompt = reply.Text
	}
	state, err := json.Marshal(p.saved())
	if err != nil {
		return fmt.Errorf("commands: keep conversation: %w", err)
	}
	return r.conv.SaveConversation(ctx, pendingKey(req), state, p.expires)
}

// promptOf returns what the bot asked in reply to req when req is the
// message the sender's live conversation last took in.
func (r *Router) promptOf(ctx context.Context, req dangke.Request) (string, bool, error) {
	state, ok, err := r.peek(ctx, req)
	if err != nil || !ok {
		return "", false, err
	}
	// Only the message it took in and what it asked: decoding the whole
	// call (its arguments, its question) cost 3% of a lecture's CPU for
	// every message of a sender with a conversation open.
	var s struct {
		Req    struct{ MsgID string }
		Prompt string
	}
	if err := json.Unmarshal(state, &s); err != nil || s.Prompt == "" || s.Req.MsgID != req.MsgID {
		return "", false, nil
	}
	return s.Prompt, true, nil
}

// takePending removes and returns the sender's conversation in this chat,
// and whether it had run out of time. A conversation this binary cannot
// read (its command is gone) is dropped.
//
// The conversation stays in the database until the command's change is
// committed (Call.Update drops it in that transaction) or the request is
// answered otherwise (keepPending drops it then): a replica killed in
// between leaves it for the platform's redelivery to another replica.
func (r *Router) takePending(ctx context.Context, req dangke.Request, now time.Time) (p *pending, expired bool, err error) {
	key := pendingKey(req)
	state, ok, err := r.peek(ctx, req)
	if err != nil || !ok {
		return nil, false, err
	}
	r.taken.Store(key, state)
	p = r.restore(state)
	if p == nil {
		return nil, false, nil
	}
	p.call.taken = state
	return p, now.After(p.expires), nil
}

// peeked is the sender's conversation as Handle read it, carried in the
// request's context so that a message is looked up once: nearly every
// message belongs to no conversation, and the look-up is a database read
// (a round trip on PostgreSQL) on the path of every lecture.
type peeked struct {
	key   string
	state []byte
	ok    bool
}

type peekedKey struct{}

// withPeek reads the sender's conversation once and keeps it in ctx for
// the rest of the request.
func (r *Router) withPeek(ctx context.Context, req dangke.Request) (context.Context, error) {
	state, _, ok, err := r.conv.PeekConversation(ctx, pendingKey(req))
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, peekedKey{}, &peeked{key: pendingKey(req), state: state, ok: ok}), nil
}

// peek returns the sender's conversation in this chat: the one Handle
// read for this request if it did, else read now.
func (r *Router) peek(ctx context.Context, req dangke.Request) ([]byte, bool, error) {
	if p, found := ctx.Value(peekedKey{}).(*peeked); found && p.key == pendingKey(req) {
		return p.state, p.ok, nil
	}
	state, _, ok, err := r.conv.PeekConversation(ctx, pendingKey(req))
	return state, ok, err
}

// dropPending forgets the sender's live conversation and returns its command.
func (r *Router) dropPending(ctx context.Context, req dangke.Request, now time.Time) (*Command, error) {
	p, expired, err := r.takePending(ctx, req, now)
	if err != nil || p == nil || expired {
		return nil, err
	}
	return p.call.Cmd, nil
}

// savedCall is a waiting command as the database keeps it. The sender's
// unit and roles are not kept: they are read again when it resumes.
type savedCall struct {
	Ref       string // the step's name, which its buttons carry
	Req       dangke.Request
	Cmd       string // the command's title: /党课, /单位 新增
	Args      Args
	Now       time.Time
	Known     bool            `json:",omitempty"`
	Abandoned bool            `json:",omitempty"`
	NewMember bool            `json:",omitempty"`
	Unsure    []string        `json:",omitempty"`
	Doubt     *Question       `json:",omitempty"`
	Question  *Question       `json:",omitempty"`
	Answers   map[string]bool `json:",omitempty"`
	Expires   time.Time
	Prompt    string `json:",omitempty"`
	Asking    string `json:",omitempty"`
}

func (p *pending) saved() savedCall {
	c := p.call
	req := c.Req
	req.Attachments = nil // files are kept when they arrive, never carried by a waiting command
	return savedCall{Ref: p.ref, Req: req, Cmd: c.Cmd.Title(), Args: c.Args, Now: c.Now, Known: c.Known,
		Abandoned: c.abandoned, NewMember: c.newMember, Unsure: c.unsure, Doubt: c.doubt, Question: c.question,
		Answers: c.answers, Expires: p.expires, Prompt: p.prompt, Asking: c.asking}
}

// restore reads a saved conversation back, or nil.
func (r *Router) restore(state []byte) *pending {
	var s savedCall
	if err := json.Unmarshal(state, &s); err != nil {
		return nil
	}
	var cmd *Command
	for _, c := range r.cmds {
		if c.Title() == s.Cmd {
			cmd = c
		}
	}
	if cmd == nil {
		return nil
	}
	if s.Args == nil {
		s.Args = Args{}
	}
	c := &Call{Req: s.Req, Cmd: cmd, Args: s.Args, Now: s.Now.In(r.cfg.Location), Known: s.Known, abandoned: s.Abandoned,
		newMember: s.NewMember, unsure: s.Unsure, doubt: s.Doubt, question: s.Question, answers: s.Answers, asking: s.Asking, r: r}
	return &pending{ref: s.Ref, call: c, expires: s.Expires, prompt: s.Prompt}
}

// answer takes a plain message as the value of the next missing field.
func (r *Router) answer(ctx context.Context, req dangke.Request, p *pending, text string, now time.Time) (*dangke.Reply, error) {
	c := p.call
	c.Req, c.Now = req, now
	// The sender's rights may have changed while the command waited.
	if err := r.refresh(ctx, c); err != nil {
		return r.fail(c.Cmd, err)
	}
	f := c.missing()
	v := strings.TrimSpace(text)
	if f.Kind == KTitle { // 奋斗吧！ keeps its mark; a full stop ends the answer
		v = strings.TrimRight(v, "。．")
	} else {
		v = trimStop(v)
	}
	if err := c.set(f, unquote(numbered(f, v))); err != nil {
		return r.prompt(ctx, c, f, dangke.ErrorMessage(err)+"\n"+promptFor(f)), nil
	}
	if next := c.missing(); next != nil {
		return r.prompt(ctx, c, next, promptFor(next)), nil
	}
	return r.run(ctx, c, true)
}

// unquote removes one pair of quotes around a whole answer.
func unquote(s string) string {
	r, _ := utf8.DecodeRuneInString(s) // only the first character opens a quote
	if cl, ok := closer(r); ok && strings.HasSuffix(s, string(cl)) && len(s) > len(string(r))+len(string(cl))-1 {
		inner := strings.TrimSuffix(strings.TrimPrefix(s, string(r)), string(cl))
		return strings.TrimSpace(inner)
	}
	return s
}
