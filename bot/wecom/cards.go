package wecom

import (
	"context"
	"encoding/json"
	"time"

	"dangke"
)

// maxCardButtons is the most buttons a button_interaction card holds.
const maxCardButtons = 6

// doneKey is the key of the one button left on a card after its choice: it
// stands for nothing, and a press of it is only answered.
const doneKey = "done"

// card is a reply's buttons as a button_interaction template card: each
// button's key is its token, which WeCom hands back in a
// template_card_event. Nil when the reply has no buttons or more than a
// card holds (the text lists them then, and typing still works).
func card(reply *dangke.Reply) map[string]any {
	if len(reply.Buttons) == 0 || len(reply.Buttons) > maxCardButtons {
		return nil
	}
	title := "请选择"
	if !reply.Question {
		title = "需要时可点"
	}
	buttons := make([]map[string]any, len(reply.Buttons))
	for i, b := range reply.Buttons {
		style := 1
		if i > 0 {
			style = 2
		}
		buttons[i] = map[string]any{"text": b.Label, "style": style, "key": b.Token}
	}
	return map[string]any{"card_type": "button_interaction", "main_title": map[string]string{"title": title},
		"button_list": buttons, "task_id": dangke.NewToken()}
}

// chosenCard is what a card becomes once pressed: the choice, who made it,
// and no live button.
func chosenCard(taskID, title, desc string) map[string]any {
	return map[string]any{"card_type": "button_interaction", "task_id": taskID,
		"main_title":  map[string]string{"title": title, "desc": desc},
		"button_list": []map[string]any{{"text": "已处理", "style": 4, "key": doneKey}}}
}

// onCardEvent handles a press of a template card's button: the router
// checks its token (owner, use, age) and runs what it stands for; the card
// is updated on the event's req_id within WeCom's 5 s (for everyone when the
// press was taken, for the presser alone when it was refused), and the reply
// goes to the chat as a proactive message.
func (c *wsConn) onCardEvent(ctx context.Context, reqID string, m *message) {
	if !c.a.firstTime(m.MsgID) {
		return
	}
	if m.Event.EventKey == "" || m.Event.EventKey == doneKey {
		return
	}
	req := dangke.Request{Chat: m.chat(), From: dangke.Person{Platform: Platform, ID: m.From.UserID, Name: m.From.UserID},
		Token: m.Event.EventKey}
	reply, err := c.a.handler.Handle(ctx, req)
	if err != nil {
		c.a.log.Error("handling a card press failed", "chat", req.Chat.ID, "err", err)
	}
	if reply == nil {
		return
	}
	uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	update := map[string]any{"response_type": "update_template_card"}
	if reply.Refused {
		update["userids"] = []string{m.From.UserID}
		update["template_card"] = chosenCard(m.Event.TaskID, "按钮无效", reply.Text)
	} else {
		update["template_card"] = chosenCard(m.Event.TaskID, "✅ 已选："+reply.Pressed, m.From.UserID+" 选择")
	}
	if _, err := c.request(uctx, "aibot_respond_update_msg", reqID, update); err != nil {
		c.a.log.Warn("updating the card failed", "chat", req.Chat.ID, "err", err)
	}
	if reply.Refused {
		return
	}
	if err := c.sendMsg(ctx, req.Chat.ID, reply); err != nil {
		c.a.log.Error("reply to a card press failed", "chat", req.Chat.ID, "err", err)
	}
}

// cardEvent reads an event callback's body when it is a card press.
func cardEvent(body json.RawMessage) (*message, bool) {
	var m message
	if json.Unmarshal(body, &m) != nil || m.Event.EventType != "template_card_event" || m.From.UserID == "" {
		return nil, false
	}
	return &m, true
}
