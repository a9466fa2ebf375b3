package commands

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"dangke"
)

// pending is a command waiting for its missing fields, per person per chat.
type pending struct {
	call    *Call
	expires time.Time
}

func pendingKey(req dangke.Request) string { return req.Chat.Key() + "\x00" + req.From.Key() }

// bind assigns tokens to the command's fields: key=value by name or alias,
// positional values to the positional fields in order.
func (c *Call) bind(tokens []token) error {
	for _, t := range tokens {
		if t.Key != "" {
			f := c.Cmd.field(t.Key)
			if f == nil {
				return dangke.Errorf(dangke.EINVALID, "%s 没有「%s」这一项，可写：%s。", c.Cmd.Title(), clip(t.Key), fieldNames(c.Cmd))
			}
			if c.Args.Has(f.Name) {
				return dangke.Errorf(dangke.EINVALID, "「%s」写了两次，请只写一次。", f.label())
			}
			if err := c.set(f, t.Value); err != nil {
				return err
			}
			continue
		}
		f := c.nextPositional()
		if f == nil {
			if last := c.lastPositional(); last != nil && last.Variadic && c.Args.Has(last.Name) {
				c.Args[last.Name] += " " + strings.TrimSpace(t.Value)
				continue
			}
		}
		if f == nil {
			return dangke.Errorf(dangke.EINVALID, "多出了「%s」，%s 只需要：%s。", clip(t.Value), c.Cmd.Title(), fieldNames(c.Cmd))
		}
		if err := c.set(f, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// set checks a value and stores it in the form its kind reads: numbers,
// dates, phones and choices folded to ASCII, unit paths with ／ as /, free
// text as typed.
func (c *Call) set(f *Field, v string) error {
	switch f.Kind {
	case KText, KName:
		v = strings.TrimSpace(v)
	case KUnit:
		v = strings.TrimSpace(strings.ReplaceAll(v, "／", "/"))
	default:
		v = fold(v)
	}
	if err := checkField(f, v, c.Now); err != nil {
		return err
	}
	c.Args[f.Name] = v
	return nil
}

func (c *Call) nextPositional() *Field {
	for i := range c.Cmd.Fields {
		f := &c.Cmd.Fields[i]
		if f.Positional && !c.Args.Has(f.Name) {
			return f
		}
	}
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
func (r *Router) startPrompt(req dangke.Request, c *Call, f *Field) *dangke.Reply {
	r.savePending(c)
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
	return &dangke.Reply{Text: text}
}

func (r *Router) savePending(c *Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := c.Now
	for k, p := range r.pending { // forget abandoned conversations
		if now.After(p.expires) {
			delete(r.pending, k)
		}
	}
	r.pending[pendingKey(c.Req)] = &pending{call: c, expires: now.Add(r.cfg.PromptTimeout)}
}

// takePending removes and returns the sender's conversation in this chat,
// and whether it had run out of time.
func (r *Router) takePending(req dangke.Request, now time.Time) (p *pending, expired bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := pendingKey(req)
	p = r.pending[k]
	delete(r.pending, k)
	if p != nil && now.After(p.expires) {
		return p, true
	}
	return p, false
}

// dropPending forgets the sender's live conversation and returns its command.
func (r *Router) dropPending(req dangke.Request, now time.Time) *Command {
	if p, expired := r.takePending(req, now); p != nil && !expired {
		return p.call.Cmd
	}
	return nil
}

// answer takes a plain message as the value of the next missing field.
func (r *Router) answer(ctx context.Context, req dangke.Request, p *pending, text string, now time.Time) (*dangke.Reply, error) {
	c := p.call
	c.Req, c.Now = req, now
	f := c.missing()
	if err := c.set(f, unquote(text)); err != nil {
		r.savePending(c)
		return &dangke.Reply{Text: dangke.ErrorMessage(err) + "\n" + promptFor(f)}, nil
	}
	if next := c.missing(); next != nil {
		r.savePending(c)
		return &dangke.Reply{Text: promptFor(next)}, nil
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
