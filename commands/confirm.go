package commands

import (
	"context"
	"errors"
	"strings"
	"time"

	"dangke"
)

// Question is what a command's Run returns to put a question to the sender
// before it goes ahead: a possible duplicate, an implausible figure, a
// reading of the arguments the bot is unsure of. The router keeps the
// command, asks, and runs it again (re-checking the sender's rights) with
// the answer recorded, so that every check before the question runs again
// and nothing is written before the sender has answered.
type Question struct {
	Key    string // names the question for Call.Answer: 重复, 人数, 同一人
	Text   string // the question as the sender reads it, without how to answer
	Choice bool   // 是 and 否 both go ahead (否 with the other reading); otherwise only 是 does
}

// Error implements error, so that Run can return a question.
func (q *Question) Error() string { return q.Text }

// Ask returns a question that only 是 goes ahead from: anything else drops
// the command with nothing saved.
func Ask(key, text string) error { return &Question{Key: key, Text: text} }

// AskChoice returns a yes/no question whose two answers both go ahead.
func AskChoice(key, text string) error { return &Question{Key: key, Text: text, Choice: true} }

// Answer reports the sender's answer to the question key (or the field of
// that name given as 是/否 on the command line) and whether there is one.
func (c *Call) Answer(key string) (yes, answered bool) {
	if v, ok := c.answers[key]; ok {
		return v, true
	}
	if f := c.Cmd.field(key); f != nil && f.Kind == KBool && c.Args.Has(f.Name) {
		v, err := parseBool(f.label(), c.Args[f.Name])
		return v, err == nil
	}
	return false, false
}

// how says how to answer a question.
func (q *Question) how() string {
	if q.Choice {
		return "请回复「是」或「否」；发送 /取消 可放弃。"
	}
	return "回复「是」保存；回复其他内容则不保存。"
}

// yesWords and noWords are the one-word answers to a question.
var (
	yesWords = []string{"是", "是的", "对", "对的", "确认", "确定", "好", "好的", "保存", "y", "yes", "ok", "1"}
	noWords  = []string{"否", "不是", "不", "不对", "n", "no", "0"}
)

// readAnswer reads a one-word answer: yes, no, or neither.
func readAnswer(text string) (yes, no bool) {
	t := strings.ToLower(strings.Trim(fold(text), "。.!！ "))
	return containsFold(yesWords, t), containsFold(noWords, t)
}

// ask keeps the command until the sender answers q.
func (r *Router) ask(ctx context.Context, c *Call, q *Question) *dangke.Reply {
	c.question = q
	ref := r.savePending(c)
	return &dangke.Reply{Text: q.Text + "\n" + q.how(), Question: true, For: c.Req.From,
		Buttons: r.offer(ctx, c, ref, c.Now.Add(r.cfg.PromptTimeout), questionChoices(q))}
}

// confirm takes a plain message as the answer to the pending question.
func (r *Router) confirm(ctx context.Context, req dangke.Request, p *pending, text string, now time.Time) (*dangke.Reply, error) {
	c := p.call
	q := c.question
	yes, no := readAnswer(text)
	if fold(strings.TrimSpace(text)) == "2" { // [1] 是 [2] 否, answered by number
		no = true
	}
	if !yes && !(q.Choice && no) {
		if q.Choice {
			reply := r.ask(ctx, c, q)
			reply.Text = "没看懂你的回答。" + reply.Text
			return reply, nil
		}
		return &dangke.Reply{Text: "好的，" + c.Cmd.Title() + " 这一条没有保存。"}, nil
	}
	c.Req, c.Now, c.question = req, now, nil
	if c.answers == nil {
		c.answers = map[string]bool{}
	}
	c.answers[q.Key] = yes
	// The sender's rights may have changed while the question waited.
	if err := r.refresh(ctx, c); err != nil {
		return r.fail(c.Cmd, err)
	}
	return r.run(ctx, c, true)
}

// refresh reloads what the router knows about the sender and the chat and
// checks the command's permission again, for a command that resumes after
// waiting for an answer.
func (r *Router) refresh(ctx context.Context, c *Call) error {
	fresh, err := r.newCall(ctx, c.Req, c.Cmd, c.Now)
	if err != nil {
		return err
	}
	c.Unit, c.Roles, c.Super, c.CityChat = fresh.Unit, fresh.Roles, fresh.Super, fresh.CityChat
	if err := r.authorize(c); err != nil {
		var e *dangke.Error
		if errors.As(err, &e) {
			return dangke.Errorf(e.Code, "等待期间你的权限有变，%s 未执行：%s", c.Cmd.Title(), e.Message)
		}
		return err
	}
	return nil
}

// asQuestion returns the question in err's chain, or nil.
func asQuestion(err error) *Question {
	var q *Question
	if errors.As(err, &q) {
		return q
	}
	return nil
}
