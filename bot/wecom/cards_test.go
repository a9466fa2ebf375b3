package wecom_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// templateCard reads the template card of a stream_with_template_card reply.
func templateCard(t *testing.T, fr wsFrame) (task string, labels, keys []string) {
	t.Helper()
	var body struct {
		MsgType      string `json:"msgtype"`
		TemplateCard struct {
			CardType   string `json:"card_type"`
			TaskID     string `json:"task_id"`
			ButtonList []struct {
				Text string `json:"text"`
				Key  string `json:"key"`
			} `json:"button_list"`
		} `json:"template_card"`
	}
	if err := json.Unmarshal(fr.Body, &body); err != nil || body.MsgType != "stream_with_template_card" || body.TemplateCard.CardType != "button_interaction" {
		t.Fatalf("no button card: %s", fr.Body)
	}
	for _, b := range body.TemplateCard.ButtonList {
		labels, keys = append(labels, b.Text), append(keys, b.Key)
	}
	return body.TemplateCard.TaskID, labels, keys
}

// A duplicate lecture: the question comes with a button card; lisi's press
// is refused on his card alone; zhangsan's saves it, the card is updated for
// everyone and the confirmation goes to the group.
func TestCardPressConfirmsDuplicate(t *testing.T) {
	r, st := setup(t)
	f := newFakeWeCom(t)
	run(t, f, r)
	const lecture = "@党课助手 /党课 张三 支部书记 《我和我的祖国》 7月1日 45人"
	f.push("aibot_msg_callback", groupMessage("m1", lecture))
	f.waitFor("the first reply", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 1 })
	f.push("aibot_msg_callback", groupMessage("m2", lecture))
	f.waitFor("the question", 5*time.Second, func() bool { return len(f.responses("aibot_respond_msg")) == 2 })
	f.mu.Lock()
	q := f.responses("aibot_respond_msg")[1]
	f.mu.Unlock()
	if !strings.Contains(streamContent(t, q), "可能重复") {
		t.Fatalf("question %s", q.Body)
	}
	task, labels, keys := templateCard(t, q)
	if strings.Join(labels, ",") != "是，保存,不保存" || task == "" {
		t.Fatalf("card %v %q", labels, task)
	}
	wrong := f.push("aibot_event_callback", cardEvent("e1", "lisi", task, keys[0]))
	f.waitFor("the refusal", 5*time.Second, func() bool { return len(f.responses("aibot_respond_update_msg")) == 1 })
	f.mu.Lock()
	upd := f.responses("aibot_respond_update_msg")[0]
	f.mu.Unlock()
	if upd.Headers["req_id"] != wrong || !strings.Contains(string(upd.Body), `"userids":["lisi"]`) || !strings.Contains(string(upd.Body), "别人点了不算") {
		t.Fatalf("refusal update %s %s", upd.Headers, upd.Body)
	}
	right := f.push("aibot_event_callback", cardEvent("e2", "zhangsan", task, keys[0]))
	f.waitFor("the update and the confirmation", 5*time.Second, func() bool {
		return len(f.responses("aibot_respond_update_msg")) == 2 && len(f.responses("aibot_send_msg")) == 2
	})
	f.mu.Lock()
	upd = f.responses("aibot_respond_update_msg")[1]
	sent := f.responses("aibot_send_msg")[0]
	f.mu.Unlock()
	if upd.Headers["req_id"] != right || strings.Contains(string(upd.Body), "userids") || !strings.Contains(string(upd.Body), "✅ 已选：是，保存") ||
		!strings.Contains(string(upd.Body), `"task_id":"`+task+`"`) {
		t.Fatalf("update %s", upd.Body)
	}
	if !strings.Contains(string(sent.Body), "已登记第 2 次微党课") || !strings.Contains(string(sent.Body), `"chatid":"g1"`) {
		t.Fatalf("confirmation %s", sent.Body)
	}
	f.mu.Lock()
	undo := f.responses("aibot_send_msg")[1]
	f.mu.Unlock()
	if !strings.Contains(string(undo.Body), `"msgtype":"template_card"`) || !strings.Contains(string(undo.Body), `"text":"撤销"`) {
		t.Fatalf("no [撤销] card after the confirmation: %s", undo.Body)
	}
	if lectures(t, st) != 2 {
		t.Fatal("the duplicate was not saved")
	}
	f.push("aibot_event_callback", cardEvent("e3", "zhangsan", task, keys[1])) // the other button of an answered question
	f.waitFor("the reuse refusal", 5*time.Second, func() bool { return len(f.responses("aibot_respond_update_msg")) == 3 })
	f.mu.Lock()
	upd = f.responses("aibot_respond_update_msg")[2]
	f.mu.Unlock()
	if !strings.Contains(string(upd.Body), "已经回答过") {
		t.Fatalf("reuse update %s", upd.Body)
	}
}
