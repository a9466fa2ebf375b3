package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"dangke"
)

// undoHint ends a confirmation that /撤销 can withdraw.
const undoHint = "发送 /撤销 可撤回本条。"

// choice is one button to offer: what it shows and the text it stands for.
type choice struct{ label, answer string }

// offer stores the pending actions of buttons for the sender of c, valid
// until expires, and returns them. ref names the conversation the buttons
// answer ("" for a command that stands on its own). A failure to store them
// is logged and the reply goes without buttons: typing still works.
func (r *Router) offer(ctx context.Context, c *Call, ref string, expires time.Time, choices []choice) []dangke.Button {
	if len(choices) == 0 || c.Req.Chat.Platform == "" {
		return nil
	}
	group := dangke.NewToken()
	buttons := make([]dangke.Button, len(choices))
	hashes := make([]string, len(choices))
	actions := make([]dangke.PendingAction, len(choices))
	for i, ch := range choices {
		tok := dangke.NewToken()
		buttons[i] = dangke.Button{Label: ch.label, Token: tok}
		hashes[i] = dangke.TokenHash(tok)
		actions[i] = dangke.PendingAction{Group: group, Chat: c.Req.Chat.Key(), Person: c.Req.From.Key(),
			Label: ch.label, Answer: ch.answer, Ref: ref, Expires: expires, Created: c.Now}
	}
	if err := r.store.AddActions(ctx, hashes, actions); err != nil {
		r.cfg.Logger.Error("buttons not stored", "err", err)
		return nil
	}
	return buttons
}

// fieldChoices are the buttons for a field's prompt: its choices, or 是/否.
func fieldChoices(f *Field) []choice {
	switch f.Kind {
	case KChoice:
		var out []choice
		for _, v := range shownChoices(f) {
			out = append(out, choice{v, v})
		}
		return out
	case KBool:
		return []choice{{"是", "是"}, {"否", "否"}}
	}
	return nil
}

// questionChoices are the buttons for a question.
func questionChoices(q *Question) []choice {
	if q.Choice {
		return []choice{{"是", "是"}, {"否", "否"}}
	}
	return []choice{{"是，保存", "是"}, {"不保存", "否"}}
}

// prompt keeps c waiting for field f and asks for it with text, with the
// field's choices as buttons.
func (r *Router) prompt(ctx context.Context, c *Call, f *Field, text string) *dangke.Reply {
	ref := r.savePending(c)
	return &dangke.Reply{Text: text, Question: true, For: c.Req.From,
		Buttons: r.offer(ctx, c, ref, c.Now.Add(r.cfg.PromptTimeout), fieldChoices(f))}
}

// undoAction stores, in the transaction of the entry a command logged
// (c.undo), the pending action of an [撤销] button for it: /撤销 with the
// entry's number, for its author within the undo window.
func (c *Call) undoAction(ctx context.Context, tx dangke.Tx) error {
	c.undoBtn = nil
	if c.undo == nil || c.Req.Chat.Platform == "" {
		return nil
	}
	answer := fmt.Sprintf("/撤销 %d", c.undo.ID)
	if c.undo.Kind == dangke.EntryInstructor {
		answer += " 宣讲员"
	}
	tok := dangke.NewToken()
	a := dangke.PendingAction{Group: dangke.NewToken(), Chat: c.Req.Chat.Key(), Person: c.Req.From.Key(), Label: "撤销",
		Answer: answer, Expires: c.Now.Add(c.r.cfg.UndoWindow), Created: c.Now}
	if err := tx.AddActions(ctx, []string{dangke.TokenHash(tok)}, []dangke.PendingAction{a}); err != nil {
		return err
	}
	c.undoBtn = &dangke.Button{Label: "撤销", Token: tok}
	return nil
}

// undoButton puts the [撤销] button stored with the entry under its
// confirmation.
func (r *Router) undoButton(c *Call, reply *dangke.Reply) {
	if reply != nil && c.undoBtn != nil && len(reply.Buttons) == 0 {
		reply.Buttons = []dangke.Button{*c.undoBtn}
	}
}

// press runs the action a pressed button stands for, as if its presser had
// typed the answer: same router, same rights check, same audit.
func (r *Router) press(ctx context.Context, req dangke.Request, now time.Time) (*dangke.Reply, error) {
	a, err := r.store.UseAction(ctx, dangke.TokenHash(req.Token), req.From.Key(), req.Chat.Key(), now)
	if err != nil {
		if dangke.ErrorCode(err) == dangke.EINTERNAL {
			return r.fail(nil, err)
		}
		return &dangke.Reply{Text: dangke.ErrorMessage(err), Refused: true}, nil
	}
	if a.Ref != "" && !r.waiting(req, a.Ref) {
		return &dangke.Reply{Text: "这个问题已经结束或被新的消息取代，按钮不再有效。", Refused: true}, nil
	}
	req.Text, req.Token = a.Answer, ""
	reply, err := r.handle(ctx, req)
	if reply != nil {
		reply.Pressed = a.Label
	}
	return reply, err
}

// waiting reports whether the sender's conversation in the chat is the one
// named ref.
func (r *Router) waiting(req dangke.Request, ref string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pending[pendingKey(req)]
	return p != nil && p.ref == ref
}

// numbered reads a typed number as the n-th of a field's choices (the
// answer to a list shown as [1] 社区 [2] 学校 where there are no buttons),
// or returns text as it is.
func numbered(f *Field, text string) string {
	if f.Kind != KChoice {
		return text
	}
	shown := shownChoices(f)
	if n, err := strconv.Atoi(fold(strings.TrimSpace(text))); err == nil && n >= 1 && n <= len(shown) {
		return shown[n-1]
	}
	return text
}

// shownChoices are the choices of a field a button shows: the Chinese ones
// when there are any (add, form1 … are English aliases of them).
func shownChoices(f *Field) []string {
	var zh []string
	for _, v := range f.Choices {
		for _, r := range v {
			if r > unicode.MaxASCII {
				zh = append(zh, v)
				break
			}
		}
	}
	if len(zh) == 0 {
		return f.Choices
	}
	return zh
}
