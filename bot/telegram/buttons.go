package telegram

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dangke"
)

// buttonsPerRow is how many buttons stand side by side on a phone.
const buttonsPerRow = 3

// markup is a reply's keyboard: its buttons as an inline keyboard whose
// callback data is each button's token; for a question without buttons sent
// as an answer to a message, a ForceReply for that message's sender alone
// (selective), so that a privacy-mode group still hands the bot the answer.
func markup(reply *dangke.Reply, answering bool) models.ReplyMarkup {
	if len(reply.Buttons) > 0 {
		var rows [][]models.InlineKeyboardButton
		for i, b := range reply.Buttons {
			if i%buttonsPerRow == 0 {
				rows = append(rows, nil)
			}
			rows[len(rows)-1] = append(rows[len(rows)-1], models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Token})
		}
		return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
	}
	if reply.Question && answering {
		return &models.ForceReply{ForceReply: true, Selective: true, InputFieldPlaceholder: "在这里回复"}
	}
	return nil
}

// onPress handles a button press: the router checks the token (its owner,
// its use, its age) and runs what it stands for. A refused press is shown
// to the presser alone; an accepted one is answered, the message it was
// under is edited to show the choice (its keyboard removed), and the reply
// goes to the chat.
func (a *Adapter) onPress(ctx context.Context, q *models.CallbackQuery) {
	m := q.Message.Message
	if m == nil || q.Data == "" { // a message too old to reach, or an inline-mode press
		a.answerPress(ctx, q.ID, "这个按钮已经过期。", true)
		return
	}
	req := dangke.Request{
		Chat:  dangke.ChatRef{Platform: Platform, ID: strconv.FormatInt(m.Chat.ID, 10), Group: m.Chat.Type != models.ChatTypePrivate, Title: m.Chat.Title},
		From:  dangke.Person{Platform: Platform, ID: strconv.FormatInt(q.From.ID, 10), Name: displayName(&q.From)},
		Token: q.Data, // no Time: a press has none, and the router's clock judges staleness
	}
	reply, err := a.handler.Handle(ctx, req)
	if err != nil {
		a.log.Error("handling a button press failed", "chat", m.Chat.ID, "err", err)
	}
	if reply == nil {
		a.answerPress(ctx, q.ID, "", false)
		return
	}
	if reply.Refused {
		a.answerPress(ctx, q.ID, reply.Text, true)
		return
	}
	a.answerPress(ctx, q.ID, "已选："+reply.Pressed, false)
	if reply.Pressed != "" {
		text := html.EscapeString(m.Text) + "\n\n✅ " + html.EscapeString(req.From.Name+" 已选："+reply.Pressed)
		if _, err := a.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID,
			Text: text, ParseMode: models.ParseModeHTML}); err != nil {
			a.log.Warn("editMessageText failed", "chat", m.Chat.ID, "err", redact(err, a.cfg.Token))
		}
	}
	// A question that follows a press answers the bot's own message, so a
	// selective ForceReply would target nobody: the presser is mentioned,
	// which makes them its target.
	var ask []dangke.Person
	if reply.Question && len(reply.Buttons) == 0 && m.Chat.Type != models.ChatTypePrivate {
		ask = append(ask, req.From)
	}
	if err := a.send(ctx, m.Chat.ID, m.ID, reply, ask...); err != nil {
		a.log.Error("reply failed", "chat", m.Chat.ID, "err", redact(err, a.cfg.Token))
	}
}

// askLinks mentions the people a question is for by id, with their names.
func askLinks(people []dangke.Person) string {
	var b strings.Builder
	for _, p := range people {
		if _, err := strconv.ParseInt(p.ID, 10, 64); err == nil {
			fmt.Fprintf(&b, "\n👉 <a href=\"tg://user?id=%s\">%s</a>", p.ID, html.EscapeString(p.Name))
		}
	}
	return b.String()
}

// answerPress answers a callback query, as Telegram asks of every one: a
// short notice, or an alert the presser must dismiss.
func (a *Adapter) answerPress(ctx context.Context, id, text string, alert bool) {
	if _, err := a.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, ShowAlert: alert}); err != nil {
		a.log.Warn("answerCallbackQuery failed", "err", redact(err, a.cfg.Token))
	}
}

// setCommands registers the command menus: the members' commands in groups,
// every command in 1:1 chats (where admins work), and the members' as the
// default.
func (a *Adapter) setCommands(ctx context.Context) {
	if len(a.cfg.Commands) == 0 {
		return
	}
	var all, members []models.BotCommand
	for _, c := range a.cfg.Commands {
		bc := models.BotCommand{Command: c.Name, Description: c.Description}
		all = append(all, bc)
		if !c.Admin {
			members = append(members, bc)
		}
	}
	for _, s := range []struct {
		scope models.BotCommandScope
		cmds  []models.BotCommand
	}{{nil, members}, {&models.BotCommandScopeAllGroupChats{}, members}, {&models.BotCommandScopeAllPrivateChats{}, all}} {
		if _, err := a.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: s.cmds, Scope: s.scope}); err != nil {
			a.log.Warn("setMyCommands failed; the command menu may be stale", "err", redact(err, a.cfg.Token))
		}
	}
}
