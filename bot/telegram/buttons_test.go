package telegram_test

import (
	"context"
	"strconv"
	"time"

	"dangke"
	"dangke/store"
	"encoding/json"
	"strings"
	"testing"

	"dangke/bot"
	"dangke/bot/telegram"
)

// keyboard reads the inline keyboard of a sent message: labels and data.
func keyboard(t *testing.T, s sentMessage) (labels, data []string) {
	t.Helper()
	var m struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(s.Markup), &m); err != nil {
		t.Fatalf("reply_markup %q: %v", s.Markup, err)
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			labels, data = append(labels, b.Text), append(data, b.CallbackData)
		}
	}
	return labels, data
}

// TestPressToConfirmDuplicate logs a lecture twice in a group, has someone
// else press the question's button (refused, in an alert), then its asker
// (saved, the question edited to show the choice), then presses [撤销]
// under the confirmation, and presses an used button again.
func TestPressToConfirmDuplicate(t *testing.T) {
	r, st := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	const lecture = "/党课 张三 支部书记 《我和我的祖国》 7月1日 45人"
	f.push("message", message(1, group, lecture))
	f.waitSent(1)
	f.push("message", message(2, group, lecture))
	sent := f.waitSent(2)
	q := sent[1]
	if !strings.Contains(q.Text, "可能重复") {
		t.Fatalf("no duplicate question: %+v", q)
	}
	labels, data := keyboard(t, q)
	if strings.Join(labels, ",") != "是，保存,不保存" || len(data[0]) != 22 {
		t.Fatalf("keyboard %v %v", labels, data)
	}

	f.press("q1", bob, group, q, data[0])
	if a := f.waitAnswers(1)[0]; a.ID != "q1" || !a.Alert || !strings.Contains(a.Text, "别人点了不算") {
		t.Fatalf("wrong presser answered %+v", a)
	}
	f.press("q2", map[string]any{"id": 777, "is_bot": false, "first_name": "Ann", "username": "ann"}, group, q, data[0])
	if a := f.waitAnswers(2)[1]; a.Alert || a.Text != "已选：是，保存" {
		t.Fatalf("press answered %+v", a)
	}
	sent = f.waitSent(3)
	confirm := sent[2]
	if !strings.Contains(confirm.Text, "已登记第 2 次微党课") || confirm.ReplyTo != itoa(q.ID) {
		t.Fatalf("confirmation %+v", confirm)
	}
	f.mu.Lock()
	edits := append([]sentMessage(nil), f.edits...)
	f.mu.Unlock()
	if len(edits) != 1 || edits[0].ReplyTo != itoa(q.ID) || !strings.Contains(edits[0].Text, "✅ ann 已选：是，保存") || edits[0].Markup != "" {
		t.Fatalf("edits %+v", edits)
	}
	if fig := figures(t, st); fig != 2 {
		t.Fatalf("lectures %d, want 2", fig)
	}
	undoLabels, undoData := keyboard(t, confirm)
	if strings.Join(undoLabels, ",") != "撤销" {
		t.Fatalf("confirmation keyboard %v", undoLabels)
	}
	f.press("q3", ann, group, confirm, undoData[0])
	sent = f.waitSent(4)
	if !strings.Contains(sent[3].Text, "已撤销微党课 #2") {
		t.Fatalf("undo reply %+v", sent[3])
	}
	f.press("q4", ann, group, q, data[1]) // the other answer of a used question
	if a := f.waitAnswers(4)[3]; !a.Alert || !strings.Contains(a.Text, "已经回答过") {
		t.Fatalf("reuse answered %+v", a)
	}
	if fig := figures(t, st); fig != 1 {
		t.Fatalf("lectures %d, want 1", fig)
	}
}

// TestQuestionsForceReply asks for a missing field: the choice comes with
// buttons, the next (free text) question with a selective ForceReply.
func TestQuestionsForceReply(t *testing.T) {
	r, _ := newRouter(t)
	f, _ := start(t, r, telegram.Config{})
	f.push("message", message(1, group, "/宣讲员 李四"))
	q := f.waitSent(1)[0]
	if labels, _ := keyboard(t, q); strings.Join(labels, ",") != "男,女" {
		t.Fatalf("keyboard %v", labels)
	}
	_, data := keyboard(t, q)
	f.press("q1", ann, group, q, data[1])
	next := f.waitSent(2)[1]
	if !strings.Contains(next.Text, "出生年月") || !strings.Contains(next.Markup, `"force_reply":true`) || !strings.Contains(next.Markup, `"selective":true`) ||
		!strings.Contains(next.Text, `<a href="tg://user?id=777">ann</a>`) {
		t.Fatalf("next question %+v", next)
	}
}

func TestCommandMenusPerScope(t *testing.T) {
	r, _ := newRouter(t)
	f, _ := start(t, r, telegram.Config{Commands: []bot.CommandInfo{{Name: "stats", Description: "查看统计"}, {Name: "grant", Description: "授予角色", Admin: true}}})
	deadline := 0
	for {
		f.mu.Lock()
		n := len(f.scopes)
		f.mu.Unlock()
		if n == 3 || deadline > 200 {
			break
		}
		deadline++
		waitABit()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.scopes["all_group_chats"]; !strings.Contains(g, "stats") || strings.Contains(g, "grant") {
		t.Errorf("group menu %s", g)
	}
	if p := f.scopes["all_private_chats"]; !strings.Contains(p, "grant") || !strings.Contains(p, "查看统计") {
		t.Errorf("private menu %s", p)
	}
	if d, ok := f.scopes[""]; !ok || strings.Contains(d, "grant") {
		t.Errorf("default menu %q", d)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func waitABit() { time.Sleep(10 * time.Millisecond) }

// figures counts the lectures of the test group's branch.
func figures(t *testing.T, st *store.Store) int {
	t.Helper()
	u, err := st.UnitByPath(context.Background(), "温县/城关镇/第一党支部")
	if err != nil {
		t.Fatal(err)
	}
	fig, err := st.Figures(context.Background(), u.ID, dangke.Period{})
	if err != nil {
		t.Fatal(err)
	}
	return fig.Lectures
}
